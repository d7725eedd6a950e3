from dockerlint_slim.launch import main

main()
