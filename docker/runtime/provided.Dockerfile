# Online build of the provided* runtime images (`lambkin images build`): what a custom runtime finds on
# Amazon Linux — bash as /bin/sh (AWS's shell walkthrough relies on it, docs/lambda-behaviour.md §1.6), curl,
# coreutils — plus python3 (standard library) so that runtimes written in Python work too. The
# runtime is the function's own /var/task/bootstrap.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates python3 \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf bash /usr/bin/sh \
 && mkdir -p /var/task /var/runtime /opt \
 && groupadd -g 990 sbx_user1051 && useradd -u 993 -g 990 -d /tmp -M -s /sbin/nologin sbx_user1051
COPY runtime/ /var/runtime/
ENV PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin LANG=en_US.UTF-8 TZ=:UTC
WORKDIR /var/task
USER 993:990
CMD ["/var/task/bootstrap"]
