// Package telemetry owns the Prometheus metrics and the process logger.
// Every metric lives on one registry created here (never the global one),
// so tests and the demo can run several bots in one process.
package telemetry

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seatwarden/seatwarden/store"
)

// Metrics are the bot's Prometheus series.
type Metrics struct {
	Registry *prometheus.Registry

	jobRuns          *prometheus.CounterVec
	jobDuration      *prometheus.HistogramVec
	zendeskRequests  *prometheus.CounterVec
	zendeskDuration  *prometheus.HistogramVec
	storeLatency     *prometheus.HistogramVec
	snapshotSeats    *prometheus.GaugeVec
	snapshotSyncedAt prometheus.Gauge
	accessGrants     *prometheus.CounterVec
	accessEndLag     prometheus.Histogram
	identityReads    *prometheus.CounterVec
	identityPeople   prometheus.Gauge
	sinkDeliveries   *prometheus.CounterVec
	sinkEntries      prometheus.Counter
	sinkLag          prometheus.Gauge
}

// New registers every series on a fresh registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatwarden_job_runs_total",
			Help: "Scheduled job runs by job and result (ok, error, skipped when another replica holds the lock).",
		}, []string{"job", "result"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "seatwarden_job_duration_seconds",
			Help:    "Duration of job runs that were not skipped.",
			Buckets: []float64{.05, .1, .5, 1, 5, 15, 60, 300, 900},
		}, []string{"job"}),
		zendeskRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatwarden_zendesk_requests_total",
			Help: "HTTP requests to Zendesk by endpoint and status code (0 for transport errors).",
		}, []string{"endpoint", "status"}),
		zendeskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "seatwarden_zendesk_request_duration_seconds",
			Help:    "Duration of HTTP requests to Zendesk by endpoint.",
			Buckets: prometheus.DefBuckets,
		}, []string{"endpoint"}),
		storeLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "seatwarden_store_operation_duration_seconds",
			Help:    "Store operation latency by operation and result.",
			Buckets: []float64{.0001, .0005, .001, .005, .01, .05, .1, .5, 1},
		}, []string{"op", "result"}),
		snapshotSeats: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "seatwarden_paid_seats",
			Help: "Paid seats in the last synced snapshot, by activity (active, inactive).",
		}, []string{"activity"}),
		snapshotSyncedAt: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seatwarden_snapshot_synced_timestamp_seconds",
			Help: "Unix time of the last successful seat sync.",
		}),
		accessGrants: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seatwarden_access_grants_total",
			Help: "Just-in-time grants by outcome: granted, extended, ended, held (left for a person), refused, and end_failed (an attempt to end one that failed and is retried). Active grants are granted minus ended and held.",
		}, []string{"outcome"}),
		accessEndLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "seatwarden_access_end_lag_seconds",
			Help:    "From a grant's end time to the SaaS confirming the earlier role, for grants that ended on time.",
			Buckets: []float64{.5, 1, 2, 5, 10, 30, 60, 120, 300, 900},
		}),
	}
	m.identityReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seatwarden_identity_reads_total",
		Help: "Reads of the identity source by outcome: ok, held (not trusted, the last good read kept) and failed.",
	}, []string{"outcome"})
	m.identityPeople = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "seatwarden_identity_people",
		Help: "People in the last good read of the identity source, departed ones included.",
	})
	reg.MustRegister(m.identityReads, m.identityPeople)
	m.sinkDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "seatwarden_audit_sink_deliveries_total",
		Help: "Batches of the audit trail sent to the SIEM by outcome: ok, retry (the collector was busy or down) and refused (it will not take them; nothing is skipped).",
	}, []string{"outcome"})
	m.sinkEntries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "seatwarden_audit_sink_entries_total",
		Help: "Audit entries the SIEM took; a batch sent again after a replica died counts again.",
	})
	m.sinkLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "seatwarden_audit_sink_lag_seconds",
		Help: "How far the SIEM is behind: the age of the oldest entry not yet taken, 0 when it has everything.",
	})
	reg.MustRegister(m.sinkDeliveries, m.sinkEntries, m.sinkLag)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.jobRuns, m.jobDuration, m.zendeskRequests, m.zendeskDuration,
		m.storeLatency, m.snapshotSeats, m.snapshotSyncedAt, m.accessGrants, m.accessEndLag,
	)
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveJob records one job run; result is "ok", "error" or "skipped".
func (m *Metrics) ObserveJob(job, result string, d time.Duration) {
	m.jobRuns.WithLabelValues(job, result).Inc()
	if result != "skipped" {
		m.jobDuration.WithLabelValues(job).Observe(d.Seconds())
	}
}

// ObserveZendesk records one HTTP attempt against Zendesk.
func (m *Metrics) ObserveZendesk(endpoint string, status int, d time.Duration) {
	m.zendeskRequests.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	m.zendeskDuration.WithLabelValues(endpoint).Observe(d.Seconds())
}

// ObserveStore records one store operation. Expected outcomes such as a
// missing record or a held lock are not errors.
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	result := "ok"
	switch {
	case err == nil:
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExists), errors.Is(err, store.ErrConflict),
		errors.Is(err, store.ErrLockHeld), errors.Is(err, store.ErrNotLockHolder), errors.Is(err, store.ErrSkipUpdate):
		result = "refused"
	default:
		result = "error"
	}
	m.storeLatency.WithLabelValues(op, result).Observe(d.Seconds())
}

// ObserveAccess counts a grant's outcome; lag, for a grant that ended on
// time, is how long after its end the SaaS confirmed it.
func (m *Metrics) ObserveAccess(outcome string, lag time.Duration) {
	m.accessGrants.WithLabelValues(outcome).Inc()
	if outcome == "ended" && lag >= 0 {
		m.accessEndLag.Observe(lag.Seconds())
	}
}

// ObserveIdentity counts one read of the identity source and, for a good
// one, publishes how many people it holds.
func (m *Metrics) ObserveIdentity(outcome string, people, _ int) {
	m.identityReads.WithLabelValues(outcome).Inc()
	if outcome == "ok" {
		m.identityPeople.Set(float64(people))
	}
}

// ObserveAuditSink counts one look at the trail by the SIEM stream: a
// batch sent (or not) and how far behind the collector is.
func (m *Metrics) ObserveAuditSink(sent int, outcome string, lag time.Duration) {
	if sent > 0 || outcome != "ok" {
		m.sinkDeliveries.WithLabelValues(outcome).Inc()
	}
	m.sinkEntries.Add(float64(sent))
	m.sinkLag.Set(lag.Seconds())
}

// SetSnapshot publishes the last snapshot's seat counts.
func (m *Metrics) SetSnapshot(syncedAt time.Time, active, inactive int) {
	m.snapshotSyncedAt.Set(float64(syncedAt.Unix()))
	m.snapshotSeats.WithLabelValues("active").Set(float64(active))
	m.snapshotSeats.WithLabelValues("inactive").Set(float64(inactive))
}

// ZendeskRequests sums the Zendesk requests made so far by endpoint, for a
// one-off run's summary line.
func (m *Metrics) ZendeskRequests() map[string]int {
	out := map[string]int{}
	families, err := m.Registry.Gather()
	if err != nil {
		return out
	}
	for _, f := range families {
		if f.GetName() != "seatwarden_zendesk_requests_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "endpoint" {
					out[l.GetValue()] += int(metric.GetCounter().GetValue())
				}
			}
		}
	}
	return out
}
