import { startCluster } from '../cluster/cluster.ts';
import { e2eScenarios } from './scenarios.ts';

/** The e2e scenarios on one PostgreSQL, one Redis and one RabbitMQ (the machine's). */
e2eScenarios({
  title: 'two API processes, two workers',
  start: (env) => startCluster({ name: 'e2e', env }),
});
