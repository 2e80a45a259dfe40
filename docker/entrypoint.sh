#!/bin/sh
# memshift in a container, run as ./memshift runs it from a checkout: the same main class and class path, with
# /opt/memshift as the checkout. exec, so that the JVM gets SIGTERM from `docker stop` and a stage closes cleanly.
# MEMSHIFT_JAVA_OPTS sets the JVM options (default -Xmx2g -XX:TieredStopAtLevel=1, as ./memshift: see there why).
set -eu
# shellcheck disable=SC2086 # the options are several words on purpose
exec java ${MEMSHIFT_JAVA_OPTS:--Xmx2g -XX:TieredStopAtLevel=1} \
  -Dmemshift.home=/opt/memshift -Dmemshift.logdir=/data/logs -Dmemshift.modeldir=/data/models \
  -Dlogback.configurationFile=/opt/memshift/logback.xml \
  -cp '/opt/memshift/memshift-cli.jar:/opt/memshift/lib/*' io.memshift.cli.Memshift "$@"
