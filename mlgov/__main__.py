from mlgov.cli import main

raise SystemExit(main())
