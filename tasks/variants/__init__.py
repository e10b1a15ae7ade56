"""What each build variant of a source is: solution regions and directives (`markers`), the small notebook
transforms that stub solutions and drop hidden tests (`transforms`), the registry of build variants
(`variants`: folder, secrets, place in the student repo, task), their steps (`pipeline`), the `#| default_exp`
rule (`default_exp`),
the independent leak guard over everything a student receives (`leakguard`), and source lint (`lint`)."""
