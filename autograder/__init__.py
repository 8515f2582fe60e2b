"""autograder: the course's grading around nbgrader — the ``course`` command and the grading protocol.

The protocol (docs/architecture.md, "Grading protocol"): a test cell's inputs and ``observe`` calls run in the
student's sandboxed kernel and record plain data; its checks, references and ``own_code`` run only in the
grader's verifier, against those records. Nothing the kernel does can change a verdict, and nothing it can read
holds an expected value.

Module map (arrows: who uses whom; there are no import cycles)::

    cli ─ the ``course`` command; one module per step:
      roster            the class list into nbgrader's gradebook
      release           solutions/ -> assignments/ with nbgrader, leak-checked
      collect           LMS downloads -> submitted/<student>/<assignment>/
      grade_class       a class: worker processes (or a cluster), per-student locks, progress
        journal           the crash-safe record of each graded student (read by feedback and export)
        progress          one line per student: done, failures so far, ETA
        cluster           the same on a Dask cluster: tasks carry bytes, only the client writes
        grade_submission  one submission -> Outcome (status, reason, score, per-cell verdicts)
          tamper            read a submission; rebuild the graded copy from the source (kernel part of tests)
          kernels           a kernel for it: forked from a zygote, or fresh; the next one pre-forked
            zygote            one pre-imported sandbox per worker and set of forbidden modules
            sandbox           bubblewrap, limits, IPC; the only writable places are emptied between students
            forbidden         the assignment's forbidden course_lib modules, stubbed out of the sandbox (their
                              refusals in the assignment's language)
          held_out          a data set split by the grader: training rows and unlabelled inputs for the
                            kernel, the held-out labels for the verifier only
          execute           run the cells, bounded in time, output bytes and output depth
          verify            the verifier: rerun the source's test cells on the records, checks included
            cell_parts        a test cell's kernel part and check regions; refuses a kernel part with a reference
            harness           observe / grading_rng / assert_* / own_code (imported by every test cell)
              messages          what the grader tells a student, in the notebook's language (en, ru)
            source_reading    notebook code as source: bindings, own code and the wrappers of it
          gradebook_io      scores into nbgrader's gradebook
      feedback          HTML feedback without hidden tests, leak-checked page by page
        feedback_template nbgrader's feedback template, its words translated for a Russian assignment
      export            the grade CSV / table
        lms               the same rows as the CSV Canvas or Moodle imports
      selfcheck         the student's ``course check`` of the visible tests
      demo, jupyter_mode  the whole pipeline on a sample class; who sees nbgrader's instructor tools
    shared: course (folders), status (the vocabulary of outcomes), nbgrader_adapter (cell kinds, metadata
    writer, the configuration nbgrader_config.py also uses, the one patch to nbgrader), _startup
"""
