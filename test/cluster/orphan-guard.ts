/**
 * Loaded (`--import`) into every API and worker process the cluster harness
 * starts. If the test process that started it disappears without cleaning up
 * (a crashed or killed vitest fork), the child is re-parented; it notices
 * within half a second and kills itself, so no stray Tempus process keeps
 * running against the shared services.
 */
const parent = Number(process.env.TEMPUS_CLUSTER_PARENT_PID);
if (parent > 0) {
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, 500).unref();
}
