"""Text in and out: the one owner of output files (``output``: atomic files, devices,
FIFOs, descriptors), and YAML/JSON documents (``documents``, with the fast
``yaml_writer`` and ``simple_yaml``); ``collector`` pauses the cyclic garbage collector
while a file becomes objects. Knows nothing of reports: ``model.schema`` says what
a report file holds."""
