"""Reading a study: the config file and its tables, validated into a `Model`."""
