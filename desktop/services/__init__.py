"""Use-cases of the counter (Qt-free): what a screen or a command asks the store and the rules for."""
