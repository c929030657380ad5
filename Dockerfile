# The MediaCluster node and pbm in one image (multi-stage; runs as a non-root user).
#   CPU (default):  ./mc image            (= docker build -t mediacluster/node .)
#   GPU nodes:      ./mc image --gpu      (ONNX Runtime's CUDA build on an NVIDIA CUDA 13 + cuDNN 9 base)
# The Silero VAD and ResNet-18 models come from the build context's .native/ (fetched and sha256-checked by
# ./mc setup) and are checked again here.

ARG RUNTIME_BASE=debian:bookworm-slim

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG ONNXRUNTIME=Cpu
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Cluster.sln .editorconfig ./
COPY src/ src/
RUN dotnet publish src/Node/Node.csproj -c Release -r linux-x64 --self-contained -p:OnnxRuntimeFlavor=$ONNXRUNTIME -o /out/node \
 && dotnet publish src/Cli/Cli.csproj -c Release -r linux-x64 --self-contained -o /out/pbm
COPY .native/silero_vad_v5.onnx .native/ResNet18.onnx .native/ResNetPreprocess.onnx /out/native/
RUN printf '%s\n' \
      "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f  /out/native/silero_vad_v5.onnx" \
      "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f  /out/native/ResNet18.onnx" \
      "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004  /out/native/ResNetPreprocess.onnx" | sha256sum -c -

FROM ${RUNTIME_BASE}
# The same Debian packages ./mc setup installs for running a node (no test data, no benchmark baseline).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libpocketsphinx3 pocketsphinx-en-us fonts-dejavu-core libgtk-3-0 ca-certificates openssl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home mediacluster
COPY --from=build /out/node /opt/mediacluster/node
COPY --from=build /out/pbm /opt/mediacluster/pbm
COPY --from=build /out/native /opt/mediacluster/native
RUN ln -s /opt/mediacluster/pbm/pbm /usr/local/bin/pbm
ENV MC_NATIVE_DIR=/opt/mediacluster/native \
    MC_Node__DataDirectory=/data \
    MC_Node__Cluster__Host=0.0.0.0 \
    MC_Node__Cluster__Port=4053 \
    DOTNET_gcServer=0
USER mediacluster
WORKDIR /data
# 8080: the HTTP API; 4053: the cluster (TLS with the cluster certificate); 9110: pbm's endpoint (loopback: kubectl exec … pbm).
EXPOSE 8080 4053
ENTRYPOINT ["/opt/mediacluster/node/MediaCluster.Node", "run"]
