#include "kafka/kafka_consumer.h"

#include "support/clock.h"
#include "kafka/kafka_admin.h"
#include "kafka/kafka_config.h"
#include "kafka/kafka_handles.h"
#include "support/logging.h"
#include "model/transaction_parser.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <vector>

namespace txpulse {

namespace {

constexpr int kPausedPollMs = 10;
// Backpressure first only stops taking messages (librdkafka's prefetch queue stays bounded by
// queued.max.messages.kbytes); partitions are paused only when the store stays behind this long. Pausing purges
// the prefetched messages and, with librdkafka 2.0, fetching restarts only 0.6-1 s after the resume: pausing
// on every short stall capped the pipeline at ~4 batches per second (bench/results, issue 9).
constexpr int kPauseAfterMs = 5000;
constexpr int kLogEveryMs = 10000;

// A batch handed to the aggregator and not yet applied. `batch` is only compared, never dereferenced.
struct InFlight {
    const TxBatch *batch = nullptr;
    std::uint64_t sequence = 0;
    std::vector<PartitionOffset> offsets;
    bool applied = false;
};

using OffsetMap = std::map<std::int32_t, std::int64_t>; // partition -> next offset

} // namespace

struct KafkaConsumer::Impl {
    KafkaConsumer *q;
    Config config;
    Stats &stats;
    const Clock &clock;
    KafkaConsumerOptions options;
    QByteArray topicName;

    // The full parse, inputs included: what any aggregate may take from a transaction (the fee needs the
    // inputs) is the same as in standalone mode, where the store gets the ingest's own parse.
    TransactionParser parser;
    std::deque<InFlight> inFlight;
    std::set<std::int32_t> assigned;
    OffsetMap appliedOffsets; // highest applied (committed or being committed) per assigned partition
    OffsetMap startOffsets;   // where each assigned partition started (an offset, or a logical END/BEGINNING)
    std::uint64_t sequence = 0;

    bool started = false;
    bool closed = false;
    bool inRebalance = false;
    bool rebalanced = false;     // a rebalance ran during the current poll
    bool closeRequested = false; // close() arrived while a rebalance callback waited
    bool pollQueued = false;
    bool paused = false;
    bool holding = false;        // too many batches in flight: no messages are taken until one is applied
    QElapsedTimer fullSince;
    bool everAssigned = false;
    bool rewindPending = false;  // the store lost its data: the next assignment (or poll) reads the window again

    QElapsedTimer sinceLag;
    QElapsedTimer sinceSkipLog;
    QElapsedTimer sinceErrorLog;
    std::int64_t skipped = 0;
    std::int64_t skippedSinceLog = 0;

    // Declared last: destroyed first, before the state its callbacks point at.
    kafka::Client client;

    Impl(KafkaConsumer *owner, const Config &c, Stats &s, const Clock &clk, KafkaConsumerOptions o)
        : q(owner), config(c), stats(s), clock(clk), options(o), topicName(c.kafkaTopic.toUtf8())
    {}

    Expected<void> createClient(const kafka::Properties &defaults, const kafka::Properties &forced)
    {
        auto conf = kafka::buildConf(config, kafka::ClientKind::Consumer, defaults, forced);
        if (!conf)
            return conf.error();
        rd_kafka_conf_set_opaque(conf->get(), this);
        rd_kafka_conf_set_rebalance_cb(conf->get(), &rebalanceCallback);
        rd_kafka_conf_set_offset_commit_cb(conf->get(), &commitCallback);
        rd_kafka_conf_set_error_cb(conf->get(), &errorCallback);
        auto c = kafka::createClient(std::move(*conf), RD_KAFKA_CONSUMER);
        if (!c)
            return c.error();
        client = std::move(*c);
        return {};
    }

    // ---- librdkafka callbacks (all served by rd_kafka_consumer_poll on our thread) ----

    static void rebalanceCallback(rd_kafka_t *, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                                  void *opaque)
    {
        static_cast<Impl *>(opaque)->onRebalance(err, parts);
    }
    static void commitCallback(rd_kafka_t *, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                               void *opaque)
    {
        auto *self = static_cast<Impl *>(opaque);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            Q_EMIT self->q->offsetsCommitted(offsets ? offsets->cnt : 0);
        } else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            qCWarning(lcKafka).noquote() << "offset commit failed:" << rd_kafka_err2str(err)
                                         << "(the next applied batch commits again)";
        }
    }
    static void errorCallback(rd_kafka_t *rk, int err, const char *reason, void *opaque)
    {
        auto *self = static_cast<Impl *>(opaque);
        QString detail;
        if (kafka::handleClientError(rk, err, reason, &self->stats, &detail))
            Q_EMIT self->q->fatalError(QStringLiteral("Kafka consumer fatal error: %1").arg(detail));
    }

    bool cooperative() const { return std::strcmp(rd_kafka_rebalance_protocol(client.handle.get()), "COOPERATIVE") == 0; }

    void onRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts)
    {
        rebalanced = true;
        rd_kafka_t *rk = client.handle.get();
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            assign(parts);
            return;
        }
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            qCWarning(lcKafka).noquote() << "rebalance error:" << rd_kafka_err2str(err);
        revoke(parts);
        if (cooperative()) {
            kafka::ErrorObjectPtr e(rd_kafka_incremental_unassign(rk, parts));
        } else {
            rd_kafka_assign(rk, nullptr);
        }
    }

    void assign(rd_kafka_topic_partition_list_t *parts)
    {
        rd_kafka_t *rk = client.handle.get();
        kafka::TopicPartitionListPtr start(rd_kafka_topic_partition_list_copy(parts));
        // Partitions the group has committed resume there; the others start at now - startBackMs.
        if (const auto err = rd_kafka_committed(rk, start.get(), options.commitTimeoutMs); err) {
            qCWarning(lcKafka).noquote() << "cannot read committed offsets (" << rd_kafka_err2str(err)
                                         << "); falling back to committed-or-earliest";
            for (int i = 0; i < start->cnt; ++i)
                start->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        } else {
            kafka::TopicPartitionListPtr lookup(rd_kafka_topic_partition_list_new(start->cnt));
            for (int i = 0; i < start->cnt; ++i) {
                // After the store lost its data every partition starts at the window again, committed or not.
                if (rewindPending || start->elems[i].offset == RD_KAFKA_OFFSET_INVALID)
                    rd_kafka_topic_partition_list_add(lookup.get(), start->elems[i].topic, start->elems[i].partition);
            }
            resolveWindowStart(lookup.get());
            for (int i = 0; i < lookup->cnt; ++i) {
                const auto &r = lookup->elems[i];
                rd_kafka_topic_partition_list_find(start.get(), r.topic, r.partition)->offset = r.offset;
                qCInfo(lcKafka).noquote() << "partition" << r.partition
                                          << (rewindPending ? "starts at the window (the store holds none of it);"
                                                            : "has no committed offset;")
                                          << "starting at" << describeOffset(r.offset) << "(now -"
                                          << options.startBackMs / 1000 << "s)";
            }
            rewindPending = false;
        }
        for (int i = 0; i < start->cnt; ++i) {
            assigned.insert(start->elems[i].partition);
            startOffsets[start->elems[i].partition] = start->elems[i].offset;
            qCDebug(lcKafka).noquote() << "assigned partition" << start->elems[i].partition << "at"
                                       << describeOffset(start->elems[i].offset);
        }
        if (cooperative()) {
            if (kafka::ErrorObjectPtr e(rd_kafka_incremental_assign(rk, start.get())); e)
                qCWarning(lcKafka).noquote() << "incremental assign failed:" << rd_kafka_error_string(e.get());
        } else if (const auto e = rd_kafka_assign(rk, start.get()); e) {
            qCWarning(lcKafka).noquote() << "assign failed:" << rd_kafka_err2str(e);
        }
        paused = false; // a fresh assignment fetches; backpressure is recomputed on the next poll
        everAssigned = true;
        stats.setKafkaState(ComponentState::Connected);
        Q_EMIT q->partitionsAssigned(start->cnt);
    }

    // Sets every element of `list` to where the window starts: the first offset at or after now - startBackMs
    // (offsets-for-times). When no message is that recent (an empty or idle partition), it is the high watermark
    // read *before* that lookup: a concrete offset that nothing produced since can be below. (The logical END
    // would be resolved only when fetching starts, and a watermark read after the lookup could be past messages
    // produced in between: both skip transactions.)
    void resolveWindowStart(rd_kafka_topic_partition_list_t *list)
    {
        if (list->cnt == 0)
            return;
        rd_kafka_t *rk = client.handle.get();
        if (options.startBackMs < 0) {
            for (int i = 0; i < list->cnt; ++i)
                list->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
            return;
        }
        std::vector<std::int64_t> endBefore(std::size_t(list->cnt), -1);
        for (int i = 0; i < list->cnt; ++i) {
            std::int64_t low = -1;
            if (const auto err = rd_kafka_query_watermark_offsets(rk, list->elems[i].topic, list->elems[i].partition,
                                                                  &low, &endBefore[std::size_t(i)],
                                                                  options.commitTimeoutMs);
                err)
                endBefore[std::size_t(i)] = -1;
        }
        const std::int64_t since = clock.nowMs() - options.startBackMs;
        for (int i = 0; i < list->cnt; ++i)
            list->elems[i].offset = since;
        const auto err = rd_kafka_offsets_for_times(rk, list, options.commitTimeoutMs);
        for (int i = 0; i < list->cnt; ++i) {
            auto &e = list->elems[i];
            if (!err && !e.err && e.offset >= 0)
                continue;
            const std::int64_t end = endBefore[std::size_t(i)];
            if (!err && !e.err && end >= 0) {
                e.offset = end; // every message so far is older than the window
                continue;
            }
            const auto code = err ? err : e.err;
            qCWarning(lcKafka).noquote() << "cannot find where the window starts in partition" << e.partition << ":"
                                         << (code ? rd_kafka_err2str(code) : "its end offset is unknown")
                                         << "; starting at the earliest offset";
            e.offset = RD_KAFKA_OFFSET_BEGINNING;
        }
    }

    // The store lost its data: read the window again on every assigned partition (re-applying is idempotent).
    void rewind()
    {
        if (!client.handle || assigned.empty()) {
            rewindPending = true; // the next assignment starts at the window
            return;
        }
        kafka::TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(int(assigned.size())));
        for (const std::int32_t p : assigned)
            rd_kafka_topic_partition_list_add(list.get(), topicName.constData(), p);
        resolveWindowStart(list.get());
        if (kafka::ErrorObjectPtr e(rd_kafka_seek_partitions(client.handle.get(), list.get(), options.commitTimeoutMs)); e) {
            qCWarning(lcKafka).noquote() << "seek failed:" << rd_kafka_error_string(e.get()) << "; retrying on the next poll";
            rewindPending = true;
            return;
        }
        // Batches already handed out must not commit past the new position; what was applied before counts as
        // nothing now.
        for (auto &f : inFlight)
            f.offsets.clear();
        for (int i = 0; i < list->cnt; ++i) {
            const auto &e = list->elems[i];
            if (e.err)
                qCWarning(lcKafka).noquote() << "seek of partition" << e.partition << "failed:" << rd_kafka_err2str(e.err);
            startOffsets[e.partition] = e.offset;
            if (e.offset >= 0)
                appliedOffsets[e.partition] = e.offset;
            qCInfo(lcKafka).noquote() << "partition" << e.partition << "is read again from" << describeOffset(e.offset)
                                      << "(the store lost its data)";
        }
        rewindPending = false;
    }

    static QString describeOffset(std::int64_t offset)
    {
        switch (offset) {
        case RD_KAFKA_OFFSET_INVALID: return QStringLiteral("the committed offset");
        case RD_KAFKA_OFFSET_BEGINNING: return QStringLiteral("the beginning");
        case RD_KAFKA_OFFSET_END: return QStringLiteral("the end");
        default: return QStringLiteral("offset %1").arg(offset);
        }
    }

    bool anyUnapplied() const
    {
        return std::any_of(inFlight.cbegin(), inFlight.cend(), [](const InFlight &f) { return !f.applied; });
    }

    void revoke(rd_kafka_topic_partition_list_t *parts)
    {
        const bool lost = rd_kafka_assignment_lost(client.handle.get());
        // Give the aggregator a moment to finish what it holds; its acknowledgements arrive as queued calls,
        // so we run the event loop while waiting. pollOnce() and close() see inRebalance and stay out.
        if (!lost && !closed && anyUnapplied()) {
            inRebalance = true;
            const QDeadlineTimer deadline(options.revokeWaitMs);
            while (anyUnapplied() && !deadline.hasExpired()) {
                QEventLoop loop;
                QTimer::singleShot(20, &loop, &QEventLoop::quit);
                loop.exec();
            }
            inRebalance = false;
            if (anyUnapplied())
                qCInfo(lcKafka) << "revoke: some batches were not applied in time; the next owner reads them again";
        }
        // Make sure what was applied is committed before the partitions go.
        OffsetMap finalOffsets;
        std::set<std::int32_t> revoked;
        for (int i = 0; i < parts->cnt; ++i) {
            const std::int32_t p = parts->elems[i].partition;
            revoked.insert(p);
            if (auto it = appliedOffsets.find(p); it != appliedOffsets.end())
                finalOffsets.insert(*it);
        }
        if (!lost && !finalOffsets.empty())
            commit(finalOffsets, false);
        for (auto p : revoked) {
            assigned.erase(p);
            startOffsets.erase(p);
            appliedOffsets.erase(p);
        }
        for (auto &f : inFlight) {
            f.offsets.erase(std::remove_if(f.offsets.begin(), f.offsets.end(),
                                           [&](const PartitionOffset &o) { return revoked.count(o.partition) > 0; }),
                            f.offsets.end());
        }
        Q_EMIT q->partitionsRevoked(parts->cnt);
    }

    void commit(const OffsetMap &offsets, bool async)
    {
        if (offsets.empty() || !client.handle)
            return;
        kafka::TopicPartitionListPtr list(rd_kafka_topic_partition_list_new(int(offsets.size())));
        for (const auto &[p, o] : offsets)
            rd_kafka_topic_partition_list_add(list.get(), topicName.constData(), p)->offset = o;
        if (const auto err = rd_kafka_commit(client.handle.get(), list.get(), async ? 1 : 0); err)
            qCWarning(lcKafka).noquote() << "offset commit failed:" << rd_kafka_err2str(err);
    }

    // ---- polling ----

    void schedulePoll()
    {
        if (pollQueued || closed)
            return;
        pollQueued = true;
        if (paused || holding)
            QTimer::singleShot(kPausedPollMs, q, [this] { pollOnce(); });
        else
            QMetaObject::invokeMethod(q, [this] { pollOnce(); }, Qt::QueuedConnection);
    }

    void updateBackpressure()
    {
        const bool full = static_cast<int>(inFlight.size()) >= options.maxInFlightBatches;
        if (!full)
            fullSince.invalidate();
        else if (!fullSince.isValid())
            fullSince.start();
        const bool pause = full && fullSince.elapsed() >= kPauseAfterMs;
        if (pause != paused) {
            rd_kafka_topic_partition_list_t *raw = nullptr;
            if (rd_kafka_assignment(client.handle.get(), &raw) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                kafka::TopicPartitionListPtr list(raw);
                if (pause)
                    rd_kafka_pause_partitions(client.handle.get(), list.get());
                else
                    rd_kafka_resume_partitions(client.handle.get(), list.get());
                paused = pause;
            }
        }
        // Full but not (yet) paused: pollOnce() takes no messages; the fetched ones stay queued in librdkafka.
        holding = full && !paused;
    }

    void pollOnce()
    {
        pollQueued = false;
        if (closed || !client.handle || inRebalance)
            return; // a rebalance wait re-schedules when it ends
        rd_kafka_t *rk = client.handle.get();
        client.serveLogs();
        if (rewindPending && !assigned.empty())
            rewind();
        updateBackpressure();

        auto batch = std::make_shared<TxBatch>();
        OffsetMap next;
        int messages = 0;
        rebalanced = false;
        const int timeout = paused ? 0 : options.pollTimeoutMs;
        while (!holding && messages < options.maxBatchMessages) {
            kafka::MessagePtr m(rd_kafka_consumer_poll(rk, messages == 0 ? timeout : 0));
            if (!m)
                break;
            if (m->err) {
                logMessageError(m.get());
                break;
            }
            ++messages;
            next[m->partition] = m->offset + 1;
            takeMessage(m.get(), *batch);
            if (rebalanced || closeRequested)
                break;
        }
        if (messages > 0) {
            stats.consumed.fetch_add(messages, std::memory_order_relaxed);
            emitBatch(std::move(batch), next);
        }
        if (closeRequested) {
            q->close();
            return;
        }
        if (!sinceLag.isValid() || sinceLag.elapsed() >= options.lagIntervalMs) {
            sinceLag.restart();
            updateLag();
        }
        schedulePoll();
    }

    void takeMessage(const rd_kafka_message_t *m, TxBatch &batch)
    {
        const QByteArray raw(static_cast<const char *>(m->payload), static_cast<qsizetype>(m->len));
        ParseOutcome outcome = parser.parse(raw);
        if (outcome.kind != ParseOutcome::Kind::Transaction) {
            ++skipped;
            ++skippedSinceLog;
            if (!sinceSkipLog.isValid() || sinceSkipLog.elapsed() >= kLogEveryMs) {
                qCWarning(lcKafka).noquote() << "skipped" << skippedSinceLog << "message(s) that are not transactions;"
                                             << "latest at partition" << m->partition << "offset" << m->offset << ":"
                                             << QString::fromStdString(outcome.detail.empty() ? outcome.op : outcome.detail);
                skippedSinceLog = 0;
                sinceSkipLog.start();
            }
            return;
        }
        // KafkaProducer sets CreateTime to when our feed client received the message, and the header "seq" to
        // its arrival number among the messages of that millisecond (the latest transactions are ordered by both).
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const std::int64_t ts = rd_kafka_message_timestamp(m, &type);
        if (type == RD_KAFKA_TIMESTAMP_CREATE_TIME && ts > 0)
            outcome.tx.receivedMs = ts;
        outcome.tx.sequence = kafka::messageSequence(m);
        batch.transactions.push_back(std::move(outcome.tx));
    }

    void emitBatch(std::shared_ptr<TxBatch> batch, const OffsetMap &next)
    {
        batch->sequence = ++sequence;
        for (const auto &[p, o] : next)
            batch->offsets.push_back(PartitionOffset{config.kafkaTopic, p, o});
        InFlight f;
        f.batch = batch.get();
        f.sequence = batch->sequence;
        f.offsets = batch->offsets;
        inFlight.push_back(std::move(f));
        Q_EMIT q->batchReady(std::move(batch));
    }

    void logMessageError(const rd_kafka_message_t *m)
    {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            return;
        if (!sinceErrorLog.isValid() || sinceErrorLog.elapsed() >= kLogEveryMs) {
            char *text = rd_kafka_message_errstr(m) ? const_cast<char *>(rd_kafka_message_errstr(m)) : nullptr;
            qCWarning(lcKafka).noquote() << "consumer:" << rd_kafka_err2name(m->err) << (text ? text : "");
            sinceErrorLog.start();
        }
    }

    void updateLag()
    {
        rd_kafka_t *rk = client.handle.get();
        rd_kafka_topic_partition_list_t *raw = nullptr;
        if (rd_kafka_assignment(rk, &raw) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        kafka::TopicPartitionListPtr list(raw);
        if (list->cnt == 0) {
            stats.consumerLag.store(everAssigned ? 0 : -1, std::memory_order_relaxed);
            return;
        }
        rd_kafka_position(rk, list.get());
        std::int64_t lag = 0;
        bool known = false;
        for (int i = 0; i < list->cnt; ++i) {
            const auto &e = list->elems[i];
            int64_t low = -1, high = -1;
            if (rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &low, &high) || high < 0)
                continue;
            // Nothing consumed yet from this partition: measure from where it started.
            std::int64_t position = e.offset;
            if (position < 0) {
                const auto it = startOffsets.find(e.partition);
                const std::int64_t startAt = it == startOffsets.end() ? RD_KAFKA_OFFSET_INVALID : it->second;
                position = startAt >= 0 ? startAt
                    : startAt == RD_KAFKA_OFFSET_END ? high
                    : startAt == RD_KAFKA_OFFSET_BEGINNING ? low
                                                            : -1;
            }
            if (position < 0)
                continue;
            lag += std::max<std::int64_t>(0, high - position);
            known = true;
        }
        stats.consumerLag.store(known ? lag : -1, std::memory_order_relaxed);
    }
};

KafkaConsumer::KafkaConsumer(const Config &config, Stats &stats, const Clock &clock, KafkaConsumerOptions options,
                             QObject *parent)
    : QObject(parent), d(std::make_unique<Impl>(this, config, stats, clock, options))
{}

KafkaConsumer::~KafkaConsumer()
{
    if (d->client.handle) {
        qCWarning(lcKafka) << "KafkaConsumer destroyed without close(); closing now";
        d->inRebalance = false;
        close();
    }
}

int KafkaConsumer::inFlightBatches() const
{
    return int(d->inFlight.size());
}

bool KafkaConsumer::isClosed() const
{
    return d->closed;
}

void KafkaConsumer::start()
{
    if (d->started || d->closed)
        return;
    d->started = true;
    d->stats.setKafkaState(ComponentState::Connecting);
    using P = kafka::Properties;
    const P defaults{
        {QStringLiteral("auto.offset.reset"), QStringLiteral("earliest")},
        {QStringLiteral("allow.auto.create.topics"), QStringLiteral("false")},
    };
    const P forced{
        {QStringLiteral("group.id"), d->config.kafkaGroup},
        {QStringLiteral("enable.auto.commit"), QStringLiteral("false")},
        {QStringLiteral("enable.auto.offset.store"), QStringLiteral("false")},
        {QStringLiteral("enable.partition.eof"), QStringLiteral("false")},
    };
    auto client = d->createClient(defaults, forced);
    if (!client) {
        qCCritical(lcKafka).noquote() << "Kafka consumer:" << client.error().message;
        d->stats.setKafkaState(ComponentState::Down);
        Q_EMIT fatalError(client.error().message);
        return;
    }
    rd_kafka_t *rk = d->client.handle.get();
    rd_kafka_poll_set_consumer(rk);
    if (d->options.ensureTopic) {
        if (auto r = kafka::ensureTopic(rk, d->config, 10000); !r)
            qCWarning(lcKafka).noquote() << "could not ensure topic" << d->config.kafkaTopic << ":" << r.error().message;
    }
    kafka::TopicPartitionListPtr subscription(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(subscription.get(), d->topicName.constData(), RD_KAFKA_PARTITION_UA);
    if (const auto err = rd_kafka_subscribe(rk, subscription.get()); err) {
        const Error e = kafka::toError(err, QStringLiteral("subscribing to %1").arg(d->config.kafkaTopic));
        qCCritical(lcKafka).noquote() << e.message;
        Q_EMIT fatalError(e.message);
        return;
    }
    qCInfo(lcKafka).noquote() << "consumer started: group" << d->config.kafkaGroup << "topic" << d->config.kafkaTopic;
    d->schedulePoll();
    Q_EMIT started();
}

void KafkaConsumer::batchApplied(TxBatchPtr batch)
{
    if (!batch || d->closed)
        return;
    auto it = std::find_if(d->inFlight.begin(), d->inFlight.end(), [&](const InFlight &f) {
        return f.batch == batch.get() && f.sequence == batch->sequence;
    });
    if (it == d->inFlight.end()) {
        qCDebug(lcKafka) << "acknowledgement for an unknown batch" << batch->sequence;
        return;
    }
    it->applied = true;
    // Commit only the applied prefix: a later batch's offsets would also cover an earlier unapplied one.
    OffsetMap toCommit;
    while (!d->inFlight.empty() && d->inFlight.front().applied) {
        for (const auto &o : d->inFlight.front().offsets) {
            if (d->assigned.count(o.partition)) {
                auto &slot = toCommit[o.partition];
                slot = std::max(slot, o.nextOffset);
            }
        }
        d->inFlight.pop_front();
    }
    for (const auto &[p, o] : toCommit)
        d->appliedOffsets[p] = o;
    d->commit(toCommit, true);
}

void KafkaConsumer::rewindToWindow()
{
    if (d->closed)
        return;
    if (d->inRebalance) {
        d->rewindPending = true; // done by the next assignment or poll
        return;
    }
    d->rewind();
}

void KafkaConsumer::close()
{
    if (d->closed)
        return;
    if (d->inRebalance) {
        d->closeRequested = true; // finished by pollOnce() once the rebalance callback returns
        return;
    }
    d->closed = true;
    if (d->client.handle) {
        rd_kafka_t *rk = d->client.handle.get();
        d->commit(d->appliedOffsets, false);
        if (const auto err = rd_kafka_consumer_close(rk); err)
            qCWarning(lcKafka).noquote() << "consumer close:" << rd_kafka_err2str(err);
        d->client.serveLogs();
        d->client = {};
        qCInfo(lcKafka) << "consumer closed;" << d->inFlight.size() << "batch(es) were not applied and will be read again";
    }
    d->inFlight.clear();
    d->stats.consumerLag.store(-1, std::memory_order_relaxed);
    Q_EMIT closed();
}

} // namespace txpulse
