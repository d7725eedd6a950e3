"""Shell command lines as the rules and the replay read them: RUN scripts parsed into commands (`script`), argv
reading (`argv`), paths and globs (`paths`), and what well-known commands do to files (`commands`)."""
