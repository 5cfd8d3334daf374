"""In-memory fakes of the tools' store ports: one per port, for unit tests of the use cases."""
