"""Loaders: the only code that reads files. Each returns tidy pandas objects or registry objects."""
