// AudioIO module.
