# Offline build of a runtime image (`lambkin images build --offline`), where no registry is reachable:
# the root filesystem is assembled from the host by Lambkin (its node binary, bash, curl, coreutils,
# python3 from its Debian packages, and the shared libraries they load), laid out like AWS's Lambda
# base images. Nothing is downloaded. Lambkin appends the CMD of the runtime kind.
FROM scratch
COPY rootfs/ /
# The build context is packed with the umask applied: give /tmp its sticky, world-writable mode back.
RUN ["/usr/bin/chmod", "1777", "/tmp"]
ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin LANG=en_US.UTF-8 TZ=:UTC
WORKDIR /var/task
USER 993:990
