from dockerlint_slim.cli import main

main()
