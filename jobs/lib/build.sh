# Shared by the launchers in jobs/: build when stale, and the JVM flags every run needs.

# Builds target/specfair.jar and target/runtime.classpath when missing or older than any source.
specfair_build() {
  local root="$1" jar="$1/target/specfair.jar"
  if [ ! -f "$jar" ] || [ ! -f "$root/target/runtime.classpath" ] || \
     [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "specfair: building (mvn package, tests skipped) ..." >&2
    (cd "$root" && mvn -q -B -DskipTests package >&2)
    cp "$root"/target/specfair-*-SNAPSHOT.jar "$jar"
  fi
}

# PyTorch's OpenMP threads sleep instead of spinning while they wait: with spinning waits, one busy
# core (another process, the JIT, a second Spark task) makes every parallel op wait for a time
# slice, and a decode step gets ~10x slower (jobs/bench engine: 60 -> 630 ms/token on 2 cores).
# Passive waits cost ~5-8% on an idle machine. libgomp reads this when it loads: it must be set here.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# glibc keeps freed native memory for reuse instead of returning it to the kernel: PyTorch frees and
# reallocates multi-MB tensors at every op, and each fresh page is a fault (jobs/bench decode:
# 1.0M -> 0.57M page faults; batch-16 scoring overhead 35% -> 25% of decoding; main-only batch 16
# 104 -> 120 tokens/s). Only allocations under 32 MB stay in the heap; costs resident memory, not speed.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-268435456}"

# Java 17 module openings Spark needs, DJL offline (nothing is downloaded at run time), log4j2 config;
# SPECFAIR_THREADS: PyTorch intra-op threads (default: PyTorch's, one per physical core).
specfair_jvm_flags() {
  local root="$1"
  echo "--add-modules=jdk.incubator.vector -Dai.djl.offline=true -Doffline=true -Dlog4j2.configurationFile=$root/conf/log4j2.xml -Xss4m" \
       "${SPECFAIR_THREADS:+-Dai.djl.pytorch.num_threads=$SPECFAIR_THREADS}" \
       "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED" \
       "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED" \
       "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED" \
       "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED" \
       "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED" \
       "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED" \
       "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false"
}

# Builds target/specfair-cluster.jar (Spark provided) for spark-submit when missing or stale, and checks it:
# DJL finds PyTorch through a services file that several jars ship; a jar where they were not merged
# fails every task with "Deep learning engine not found: PyTorch".
specfair_build_cluster() {
  local root="$1" jar="$1/target/specfair-cluster.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit 2>/dev/null)" ]; then
    echo "specfair: building the cluster jar (mvn -Pcluster package) ..." >&2
    (cd "$root" && mvn -q -B -Pcluster -DskipTests package >&2)
  fi
  specfair_check_cluster_jar "$jar"
}

specfair_check_cluster_jar() {
  local jar="$1" services
  services="$(unzip -p "$jar" META-INF/services/ai.djl.engine.EngineProvider 2>/dev/null || true)"
  if ! grep -q 'ai.djl.pytorch.engine.PtEngineProvider' <<<"$services"; then
    echo "specfair: $jar: META-INF/services/ai.djl.engine.EngineProvider does not list PyTorch (found: $(echo $services)); rebuild with mvn -Pcluster package" >&2
    return 2
  fi
}

# spark-submit arguments for a cluster run: a resource profile (conf/spark-defaults.conf = GPU nodes, or
# conf/spark-cpu.conf with --cluster-profile cpu), sizing flags, the project's log4j2 config for the
# driver, and the user's --files merged with the GPU discovery script. Prints one argument per line.
#   --executor-cores N      cores per executor (spark.executor.cores)
#   --executor-memory SIZE  heap per executor (spark.executor.memory)
#   --gpus-per-executor G   GPUs per executor (GPU profile; one task per GPU, so spark.task.cpus = cores / G)
specfair_submit_args() {
  local root="$1"; shift
  local profile=gpu cores="" gpus="" files="$root/conf/getGpusResources.sh" driver_opts="" task_cpus_given=""
  local -a out=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --cluster-profile) profile="$2"; shift 2 ;;
      --executor-cores) cores="$2"; out+=("$1" "$2"); shift 2 ;;
      --gpus-per-executor) gpus="$2"; shift 2 ;;
      --files) files="$files,$2"; shift 2 ;;
      --driver-java-options) driver_opts="$2"; shift 2 ;;
      --conf) [[ "$2" == spark.task.cpus=* ]] && task_cpus_given=1; out+=("$1" "$2"); shift 2 ;;
      *) out+=("$1"); shift ;;
    esac
  done
  local props
  case "$profile" in
    gpu) props="$root/conf/spark-defaults.conf" ;;
    cpu) props="$root/conf/spark-cpu.conf" ;;
    *) echo "specfair: --cluster-profile must be gpu or cpu, not '$profile'" >&2; return 2 ;;
  esac
  local default_cores
  default_cores="$(awk '$1 == "spark.executor.cores" {print $2}' "$props")"
  if [ "$profile" = gpu ]; then
    gpus="${gpus:-1}"
    out+=(--conf "spark.executor.resource.gpu.amount=$gpus")
    if [ -z "$task_cpus_given" ]; then
      local c="${cores:-$default_cores}"
      out+=(--conf "spark.task.cpus=$(( c / gpus > 0 ? c / gpus : 1 ))")
    fi
  elif [ -n "$gpus" ]; then
    echo "specfair: --gpus-per-executor needs --cluster-profile gpu" >&2; return 2
  fi
  printf '%s\n' --properties-file "$props" --files "$files" \
    --driver-java-options "--add-modules=jdk.incubator.vector -Dlog4j2.configurationFile=$root/conf/log4j2.xml${driver_opts:+ $driver_opts}" "${out[@]}"
}

# Runs a Spark job class: embedded local mode, or spark-submit when SPARK_HOME is set and the master is not local.
specfair_run_spark_job() {
  local root="$1" main_class="$2"; shift 2
  local -a spark_opts=() job_args=() sysprops=()
  local master=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --master) master="$2"; spark_opts+=("$1" "$2"); shift 2 ;;
      --conf) spark_opts+=("$1" "$2"); sysprops+=("-D$2"); shift 2 ;;
      --deploy-mode|--executor-memory|--num-executors|--executor-cores|--driver-memory|--files|--jars|--properties-file|--queue|--name|--total-executor-cores|--driver-java-options|--cluster-profile|--gpus-per-executor)
        spark_opts+=("$1" "$2"); shift 2 ;;
      *) job_args+=("$1"); shift ;;
    esac
  done
  if [ -n "${SPARK_HOME:-}" ] && [ -n "$master" ] && [[ "$master" != local* ]]; then
    specfair_build_cluster "$root" || exit 2
    local -a submit=()
    mapfile -t submit < <(specfair_submit_args "$root" "${spark_opts[@]}")
    [ "${#submit[@]}" -gt 0 ] || exit 2
    echo "specfair: spark-submit ${submit[*]}" >&2
    exec "$SPARK_HOME/bin/spark-submit" --class "$main_class" "${submit[@]}" "$root/target/specfair-cluster.jar" "${job_args[@]}"
  fi
  specfair_build "$root"
  exec java $(specfair_jvm_flags "$root") ${SPECFAIR_JAVA_OPTS:-} "${sysprops[@]}" \
    -cp "$root/target/specfair.jar:$(cat "$root/target/runtime.classpath")" "$main_class" \
    ${master:+--master "$master"} "${job_args[@]}"
}
