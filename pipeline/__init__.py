"""kprep's pipeline layer: config, CLI, and the stage graphs."""

import logging

# Beam warns at import time that the GCP client libraries are missing, even for runs that never
# touch gs://; the warning misleads users of the local runner.
logging.getLogger().addFilter(lambda record: "apitools not found" not in record.getMessage())
