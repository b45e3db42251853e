# The plugin's own tests: suites/ holds fixture suites run in subprocesses, never collected here.
collect_ignore = ["suites"]
