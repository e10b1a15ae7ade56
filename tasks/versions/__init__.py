"""What each build variant of a source is: solution regions and directives (`markers`), the small notebook
transforms that stub solutions and drop hidden tests (`transforms`), their order per variant (`pipeline`),
the independent leak guard over everything a student receives (`leakguard`), and source lint (`lint`)."""
