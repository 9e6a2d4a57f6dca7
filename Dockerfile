# Worker image for Dataflow (and Flink/Spark portable runners) with kprep preinstalled:
#   docker build -t REGION-docker.pkg.dev/PROJECT/kprep/worker:0.1.0 .
#   docker push REGION-docker.pkg.dev/PROJECT/kprep/worker:0.1.0
#   kprep run ... --runner DataflowRunner --sdk_container_image REGION-docker.pkg.dev/PROJECT/kprep/worker:0.1.0
# The base image's Beam and Python versions must match the launcher's (Beam 2.77, Python 3.11).
FROM apache/beam_python3.11_sdk:2.77.0

WORKDIR /opt/kprep
COPY pyproject.toml setup.py README.md ./
COPY pipeline ./pipeline
COPY transforms ./transforms
COPY tokenizer_training ./tokenizer_training
COPY runners ./runners
COPY trainer ./trainer
# Workers run the Beam stages only: no torch, no transformers.
RUN pip install --no-cache-dir . "apache-beam[gcp]==2.77.0"
