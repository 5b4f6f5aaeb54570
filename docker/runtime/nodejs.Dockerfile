# Online build of a nodejs*.x runtime image (`lambkin images build`): the public Node image of the
# runtime's major version, laid out like AWS's Lambda base images: node in /var/lang/bin, the runtime
# (Lambkin's Node bootstrap) in /var/runtime, code at /var/task, bash as /bin/sh as on Amazon Linux,
# and the unprivileged user sbx_user1051 that Lambda runs functions as.
ARG NODE_MAJOR=20
FROM node:${NODE_MAJOR}-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf bash /usr/bin/sh \
 && mkdir -p /var/lang/bin /var/task /var/runtime /opt \
 && ln -s /usr/local/bin/node /var/lang/bin/node \
 && groupadd -g 990 sbx_user1051 && useradd -u 993 -g 990 -d /tmp -M -s /sbin/nologin sbx_user1051
COPY runtime/ /var/runtime/
ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin LANG=en_US.UTF-8 TZ=:UTC
WORKDIR /var/task
USER 993:990
CMD ["/var/runtime/bootstrap"]
