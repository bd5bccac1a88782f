from coursegrader.cli import main

raise SystemExit(main())
