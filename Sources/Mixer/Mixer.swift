// Mixer module.
