"""What each build variant of a source is: solution regions and directives (`markers`), a cell's role
(`roles`), the small notebook transforms that drop hidden tests and strip markers (`transforms`), where stubs
are made, recorded and recognised (`stubs`), the registry of build variants (`registry`: folder, secrets,
place in the student repo, task), their steps (`pipeline`), the `#| default_exp` rule (`default_exp`),
the independent leak guard over everything a student receives (`leakguard`), and source lint (`lint`)."""
