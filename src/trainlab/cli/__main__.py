from trainlab.cli import main

main()
