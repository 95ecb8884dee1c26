"""The engine layer: the event clock, pools of finite capacity, named random streams and the
recorder. It knows nothing of homelessness: no import from the model or anything above it."""
