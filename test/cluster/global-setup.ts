import { requiredServiceUrls } from './cluster.ts';

/** Fails the cluster suites at once, with the variables to set, when the real services are not configured. */
export default function setup() {
  requiredServiceUrls();
}
