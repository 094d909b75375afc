import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance (its own registry, so several servers can share a process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'zhuli_graphql_requests_total', help: 'GraphQL operations served, by operation type and outcome', labelNames: ['type', 'outcome'] as const, registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'zhuli_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL operation',
    labelNames: ['type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly errors = new Counter({ name: 'zhuli_graphql_errors_total', help: 'Errors in GraphQL responses, by code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly sqlStatements = new Histogram({ name: 'zhuli_sql_statements_per_request', help: 'SQL statements a GraphQL operation ran', buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55], registers: [this.registry] });
  readonly cost = new Histogram({ name: 'zhuli_graphql_query_cost', help: 'Estimated cost of GraphQL operations', buckets: [0, 1, 10, 50, 100, 500, 1000, 2500, 5000], registers: [this.registry] });
  readonly httpResponses = new Counter({ name: 'zhuli_http_responses_total', help: 'HTTP responses by status code', labelNames: ['status'] as const, registers: [this.registry] });
  readonly rateLimited = new Counter({ name: 'zhuli_rate_limited_total', help: 'Requests refused with 429', registers: [this.registry] });
  readonly activeSubscriptions = new Gauge({ name: 'zhuli_active_subscriptions', help: 'Open graphql-ws subscriptions', registers: [this.registry] });
  readonly wsConnections = new Gauge({ name: 'zhuli_websocket_connections', help: 'Open graphql-ws connections', registers: [this.registry] });
  readonly notificationPublishLag = new Histogram({
    name: 'zhuli_notification_publish_lag_seconds',
    help: "Filing notifications: from the event's transaction (its `at`) to its cursor being stamped after commit (database clock)",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly notificationDeliveryLag = new Histogram({
    name: 'zhuli_notification_delivery_lag_seconds',
    help: 'Filing notifications: from the cursor being stamped to the live event being handed to a subscriber of this instance (replays of resumed subscriptions excluded)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly cancelledStatements = new Counter({ name: 'zhuli_cancelled_statements_total', help: 'SQL statements cancelled (pg_cancel_backend) because their request timed out', registers: [this.registry] });
  readonly housekeeping = new Counter({ name: 'zhuli_housekeeping_rows_total', help: 'Rows changed by housekeeping, by task (expired idempotency keys, stuck keys marked failed, notifications past retention)', labelNames: ['task'] as const, registers: [this.registry] });
  readonly ready = new Gauge({ name: 'zhuli_ready', help: '1 when the database answered the last readiness check', registers: [this.registry] });

  /** Admission gauges: GraphQL requests executing and waiting (src/server/admission.ts). */
  trackAdmission(admission: { running: number; queued: number }): void {
    this.sampled('zhuli_requests_running', 'GraphQL HTTP requests executing now (at most ZHULI_MAX_CONCURRENT_REQUESTS)', () => admission.running);
    this.sampled('zhuli_requests_queued', 'GraphQL HTTP requests waiting for an execution slot', () => admission.queued);
  }

  /** A gauge whose value is read when /metrics is scraped. */
  private sampled(name: string, help: string, pick: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(pick());
      },
    });
  }

  constructor(pool: () => { total: number; idle: number; waiting: number } | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'zhuli_' });
    const poolGauge = (name: string, help: string, pick: (p: { total: number; idle: number; waiting: number }) => number) =>
      this.sampled(name, help, () => {
        const p = pool();
        return p ? pick(p) : 0;
      });
    poolGauge('zhuli_db_pool_connections', 'Connections open in the PostgreSQL pool', (p) => p.total);
    poolGauge('zhuli_db_pool_idle', 'Idle connections in the pool', (p) => p.idle);
    poolGauge('zhuli_db_pool_waiting', 'Queries waiting for a pool connection', (p) => p.waiting);
  }
}
