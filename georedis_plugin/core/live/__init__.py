"""Live positions: a fleet streamed through Redis streams (wire format, server-side latest
state, readers, history and geofences). No Qt widgets here."""
