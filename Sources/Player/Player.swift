// Player module.
