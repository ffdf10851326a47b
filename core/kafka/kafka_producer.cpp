#include "kafka/kafka_producer.h"

#include "kafka/disk_spool.h"
#include "kafka/kafka_admin.h"
#include "kafka/kafka_config.h"
#include "kafka/kafka_handles.h"
#include "support/logging.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QTimer>

#include <deque>
#include <map>
#include <string>

namespace txpulse {

namespace {

// One message owned by us from produce() until its successful delivery report. librdkafka does not copy the
// value (msgflags 0): it points into `value`, which stays alive and unchanged as long as this object.
struct OutMessage {
    std::string key;
    QByteArray value;
    std::int64_t timestampMs = 0; // when our feed client received it: the message's CreateTime
    std::uint64_t sequence = 0;   // Transaction::sequence, sent as the header "seq" (0: none)
    std::uint64_t segment = 0; // the spool segment it was read from (0: none); deleted once all are settled
    // The feed credit of its batch (FlowCredit::lease), held while librdkafka has the message and dropped when
    // it is delivered or leaves librdkafka for the pending buffer or the spool: a feed faster than the cluster
    // is paused instead of filling librdkafka's queue (up to queueMaxMessages messages in memory). While the
    // cluster is not reachable no credit is held (releaseCredits()): an outage must not pause the feed.
    std::shared_ptr<const void> credit;
    OutMessage *prev = nullptr; // LiveList links
    OutMessage *next = nullptr;
};

// A spooled message's sequence: 8 bytes big-endian in the record's header field (releases before it kept the
// received_ms text there, 13 bytes, which spooledSequence() ignores).
QByteArray spoolHeader(std::uint64_t sequence)
{
    if (sequence == 0)
        return {};
    QByteArray out(8, Qt::Uninitialized);
    for (int i = 7; i >= 0; --i, sequence >>= 8)
        out[i] = static_cast<char>(sequence & 0xff);
    return out;
}

std::uint64_t spooledSequence(const QByteArray &header)
{
    if (header.size() != 8)
        return 0;
    std::uint64_t v = 0;
    for (const char c : header)
        v = (v << 8) | static_cast<unsigned char>(c);
    return v;
}

// The messages librdkafka holds, in the order they were handed over. Intrusive, so handing a message over and
// getting it back in its delivery report costs two pointer updates and no allocation (an unordered_map node and
// its hashing per message were a visible part of the producer thread).
class LiveList {
public:
    LiveList() = default;
    LiveList(const LiveList &) = delete;
    LiveList &operator=(const LiveList &) = delete;
    ~LiveList()
    {
        while (m_head)
            take(m_head);
    }

    OutMessage *push(std::unique_ptr<OutMessage> msg)
    {
        OutMessage *m = msg.release();
        m->prev = m_tail;
        m->next = nullptr;
        (m_tail ? m_tail->next : m_head) = m;
        m_tail = m;
        return m;
    }

    // `m` must be in this list.
    std::unique_ptr<OutMessage> take(OutMessage *m)
    {
        (m->prev ? m->prev->next : m_head) = m->next;
        (m->next ? m->next->prev : m_tail) = m->prev;
        m->prev = m->next = nullptr;
        return std::unique_ptr<OutMessage>(m);
    }

    OutMessage *first() const { return m_head; }
    OutMessage *last() const { return m_tail; }

private:
    OutMessage *m_head = nullptr;
    OutMessage *m_tail = nullptr;
};

constexpr int kStatePollMs = 1000;
constexpr int kLogEveryMs = 10000;

} // namespace

struct KafkaProducer::Impl {
    KafkaProducer *q;
    Config config;
    Stats &stats;
    KafkaProducerOptions options;

    QTimer *timer = nullptr;
    QElapsedTimer sinceStateCheck;
    QElapsedTimer sinceDropLog;
    std::int64_t droppedSinceLog = 0;
    bool started = false;
    bool closed = false;
    bool topicReady = false;
    bool fatal = false;
    QString fatalText;

    std::deque<std::unique_ptr<OutMessage>> pending;                   // waiting for room in librdkafka
    LiveList live; // handed to librdkafka (the opaque of each librdkafka message points to its OutMessage)
    QByteArray topicName;

    // Undelivered messages beyond memory (see keepUndelivered); null when not configured.
    std::unique_ptr<DiskSpool> spool;
    std::map<std::uint64_t, qint64> spoolOutstanding; // taken segment -> its messages not yet settled
    bool brokerUp = false;   // the last delivery report or metadata probe reached the cluster
    QString lastSpoolError;
    bool creditsHeld = false; // some message in `live` holds a feed credit

    // Declared last: destroyed first, before the state its callbacks point at.
    kafka::TopicPtr topic;
    kafka::Client client;

    Impl(KafkaProducer *owner, const Config &c, Stats &s, KafkaProducerOptions o)
        : q(owner), config(c), stats(s), options(o), topicName(c.kafkaTopic.toUtf8())
    {}

    static void deliveryCallback(rd_kafka_t *, const rd_kafka_message_t *msg, void *opaque)
    {
        static_cast<Impl *>(opaque)->onDelivery(msg);
    }
    static void errorCallback(rd_kafka_t *rk, int err, const char *reason, void *opaque)
    {
        auto *self = static_cast<Impl *>(opaque);
        QString detail;
        if (kafka::handleClientError(rk, err, reason, &self->stats, &detail)) {
            self->fatal = true;
            self->fatalText = detail;
        }
    }

    Expected<void> createClient()
    {
        using P = kafka::Properties;
        const P defaults{
            {QStringLiteral("compression.type"), QStringLiteral("zstd")},
            // zstd's fastest level: at the default (3) compressing was 31 % of txpulse's instructions, and
            // feed JSON compresses almost as well at 1.
            {QStringLiteral("compression.level"), QStringLiteral("1")},
            {QStringLiteral("linger.ms"), QString::number(options.lingerMs)},
            {QStringLiteral("batch.num.messages"), QStringLiteral("10000")},
            {QStringLiteral("batch.size"), QStringLiteral("1000000")},
            {QStringLiteral("queue.buffering.max.messages"), QString::number(options.queueMaxMessages)},
            {QStringLiteral("queue.buffering.max.kbytes"), QStringLiteral("262144")},
            // The topic is created by ensureTopic() with our partitions and retention, never implicitly by a
            // metadata request with the broker's defaults.
            {QStringLiteral("allow.auto.create.topics"), QStringLiteral("false")},
        };
        const P forced{
            {QStringLiteral("enable.idempotence"), QStringLiteral("true")},
        };
        auto conf = kafka::buildConf(config, kafka::ClientKind::Producer, defaults, forced);
        if (!conf)
            return conf.error();
        rd_kafka_conf_set_opaque(conf->get(), this);
        rd_kafka_conf_set_dr_msg_cb(conf->get(), &deliveryCallback);
        rd_kafka_conf_set_error_cb(conf->get(), &errorCallback);
        auto c = kafka::createClient(std::move(*conf), RD_KAFKA_PRODUCER);
        if (!c)
            return c.error();
        client = std::move(*c);
        ensureTopic(); // before the topic handle exists, so nothing asks the broker about the topic first
        topic.reset(rd_kafka_topic_new(client.handle.get(), topicName.constData(), nullptr));
        if (!topic)
            return kafka::toError(rd_kafka_last_error(), QStringLiteral("topic %1").arg(config.kafkaTopic));
        return {};
    }

    // Destroys the handle; every message librdkafka still held goes back to the front of the pending buffer.
    void destroyClient()
    {
        if (!client.handle)
            return;
        rd_kafka_purge(client.handle.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(client.handle.get(), 0); // purged messages come back through onDelivery()
        client.serveLogs();
        topic.reset();
        client = {};
        while (OutMessage *m = live.last()) { // newest first, so the pending buffer keeps their order
            std::unique_ptr<OutMessage> msg = live.take(m);
            msg->credit.reset();
            pending.push_front(std::move(msg));
        }
    }

    void ensureTopic()
    {
        if (topicReady || !options.ensureTopic || !client.handle)
            return;
        auto r = kafka::ensureTopic(client.handle.get(), config, options.adminTimeoutMs);
        if (r) {
            topicReady = true;
        } else {
            qCWarning(lcKafka).noquote() << "could not ensure topic" << config.kafkaTopic << ":" << r.error().message
                                         << (r.error().retriable ? "(will retry)" : "");
            topicReady = !r.error().retriable; // a permanent refusal (ACLs...) is not retried forever
        }
    }

    // Hands one message to librdkafka. Returns false when its queue is full (the message is not taken).
    bool send(std::unique_ptr<OutMessage> &msg)
    {
        rd_kafka_vu_t vu[7];
        vu[0].vtype = RD_KAFKA_VTYPE_RKT;
        vu[0].u.rkt = topic.get();
        vu[1].vtype = RD_KAFKA_VTYPE_KEY;
        vu[1].u.mem = {msg->key.data(), msg->key.size()};
        vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
        vu[2].u.mem = {const_cast<char *>(msg->value.constData()), static_cast<size_t>(msg->value.size())};
        vu[3].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
        vu[3].u.i64 = msg->timestampMs;
        vu[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
        vu[4].u.ptr = msg.get();
        vu[5].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        vu[5].u.i = 0; // no copy, no free: `value` lives in OutMessage until the delivery report
        std::size_t n = 6;
        char seq[kafka::kSequenceDigits];
        if (msg->sequence != 0) {
            vu[6].vtype = RD_KAFKA_VTYPE_HEADER;
            vu[6].u.header = {kafka::kSequenceHeader, seq, static_cast<ssize_t>(kafka::formatSequence(msg->sequence, seq))};
            n = 7;
        }

        kafka::ErrorObjectPtr error(rd_kafka_produceva(client.handle.get(), vu, n));
        if (!error) {
            live.push(std::move(msg));
            return true;
        }
        const auto code = rd_kafka_error_code(error.get());
        if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return false;
        // Permanent refusal of this one message (too large, ...): nothing else would succeed either.
        stats.produceErrors.fetch_add(1, std::memory_order_relaxed);
        countDropped(1, QString::fromUtf8(rd_kafka_error_string(error.get())));
        settle(*msg);
        msg.reset();
        return true;
    }

    void countDropped(std::int64_t n, const QString &why)
    {
        stats.dropped.fetch_add(n, std::memory_order_relaxed);
        droppedSinceLog += n;
        if (!sinceDropLog.isValid() || sinceDropLog.elapsed() >= kLogEveryMs) {
            qCWarning(lcKafka).noquote() << "dropped" << droppedSinceLog << "message(s) not written to Kafka:" << why;
            droppedSinceLog = 0;
            sinceDropLog.start();
        }
    }

    // Where a message goes that librdkafka did not take or could not deliver. A failed delivery report (it
    // already waited message.timeout.ms in librdkafka) goes to the disk spool; an overflow of librdkafka's queue
    // waits in the bounded pending buffer first, then on disk. Without a spool, or with the spool full, the
    // pending buffer takes what fits; only the rest is dropped, counted and logged.
    void keepUndelivered(std::unique_ptr<OutMessage> msg, const QString &why, bool failedDelivery = false)
    {
        msg->credit.reset(); // bounded by pendingMaxMessages and the spool's size from here on
        const bool memoryRoom = static_cast<qsizetype>(pending.size()) < options.pendingMaxMessages;
        if (!failedDelivery && memoryRoom) {
            pending.push_back(std::move(msg));
            return;
        }
        if (toSpool(*msg)) {
            settle(*msg);
            return;
        }
        if (memoryRoom) {
            pending.push_back(std::move(msg));
            return;
        }
        countDropped(1, why);
        settle(*msg);
    }

    bool toSpool(const OutMessage &msg)
    {
        if (!spool)
            return false;
        auto r = spool->append(
            DiskSpool::Record{msg.key, msg.value, spoolHeader(msg.sequence), msg.timestampMs});
        if (!r) {
            if (r.error().message != lastSpoolError)
                qCWarning(lcKafka).noquote() << "spool:" << r.error().message;
            lastSpoolError = r.error().message;
            return false;
        }
        lastSpoolError.clear();
        return true;
    }

    // The message is delivered, spooled again or dropped: its spool segment (if any) has one less to wait for.
    void settle(const OutMessage &msg)
    {
        if (msg.segment == 0 || !spool)
            return;
        auto it = spoolOutstanding.find(msg.segment);
        if (it == spoolOutstanding.end() || --it->second > 0)
            return;
        spool->release(msg.segment);
        spoolOutstanding.erase(it);
    }

    // Once the cluster answers and memory has drained, the oldest spool segment goes back into the pending
    // buffer. Its file stays until every message of it is settled.
    void replaySpool()
    {
        if (!spool || !brokerUp || !pending.empty() || !client.handle
            || rd_kafka_outq_len(client.handle.get()) > options.queueMaxMessages / 2)
            return;
        if (!spool->isOpen() || spool->waitingRecords() == 0)
            return;
        auto segment = spool->takeOldest();
        if (!segment) {
            qCWarning(lcKafka).noquote() << "spool:" << segment.error().message;
            return;
        }
        if (segment->id == 0)
            return;
        if (segment->records.empty()) {
            spool->release(segment->id);
            return;
        }
        qCInfo(lcKafka) << "sending" << segment->records.size() << "spooled message(s) again;"
                        << spool->waitingRecords() << "more wait on disk";
        spoolOutstanding[segment->id] = qint64(segment->records.size());
        for (DiskSpool::Record &r : segment->records) {
            auto msg = std::make_unique<OutMessage>();
            msg->key = std::move(r.key);
            msg->value = std::move(r.value);
            msg->timestampMs = r.timestampMs;
            msg->sequence = spooledSequence(r.header);
            msg->segment = segment->id;
            pending.push_back(std::move(msg));
        }
        drainPending();
    }

    void drainPending()
    {
        if (!client.handle)
            return;
        while (!pending.empty()) {
            if (!send(pending.front()))
                return;
            pending.pop_front();
        }
    }

    void onDelivery(const rd_kafka_message_t *rkm)
    {
        if (!rkm->_private)
            return;
        std::unique_ptr<OutMessage> msg = live.take(static_cast<OutMessage *>(rkm->_private));
        if (rkm->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            stats.produced.fetch_add(1, std::memory_order_relaxed);
            brokerUp = true;
            settle(*msg);
            if (stats.kafkaState.load(std::memory_order_relaxed) != static_cast<int>(ComponentState::Connected))
                stats.setKafkaState(ComponentState::Connected);
            return;
        }
        const QString why = QString::fromUtf8(rd_kafka_err2str(rkm->err));
        if (rkm->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || rkm->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
            msg->credit.reset();
            pending.push_front(std::move(msg)); // we purged it ourselves (handle reset or close)
            return;
        }
        stats.produceErrors.fetch_add(1, std::memory_order_relaxed);
        if (kafka::isRetriable(rkm->err) || rkm->err == RD_KAFKA_RESP_ERR__FATAL) {
            qCDebug(lcKafka).noquote() << "delivery failed, kept for later:" << why;
            brokerUp = false;
            keepUndelivered(std::move(msg), why, true);
        } else {
            countDropped(1, QStringLiteral("delivery failed permanently: ") + why);
            settle(*msg);
        }
    }

    // Messages hold feed credit unless the cluster is known to be unreachable. Connecting (before the first
    // delivery) counts as reachable: a fast source must not fill librdkafka's queue while the first batch is
    // on its way (a cold start went to 271 MiB that way). librdkafka reports an unreachable cluster as
    // all-brokers-down, which moves the state to Down.
    bool holdsCredit() const
    {
        const auto state = static_cast<ComponentState>(stats.kafkaState.load(std::memory_order_relaxed));
        return state != ComponentState::Down && state != ComponentState::Reconnecting;
    }

    // The cluster went away: what librdkafka holds waits for it (or fails into the spool after
    // message.timeout.ms) without holding the feed back.
    void releaseCredits()
    {
        for (OutMessage *m = live.first(); m; m = m->next)
            m->credit.reset();
        creditsHeld = false;
    }

    void updateQueueStat()
    {
        const qint64 depth = (client.handle ? rd_kafka_outq_len(client.handle.get()) : 0) + qint64(pending.size());
        stats.produceQueue.store(depth, std::memory_order_relaxed);
        stats.spooled.store(spool ? spool->waitingRecords() : 0, std::memory_order_relaxed);
    }

    void tick()
    {
        if (!client.handle)
            return;
        rd_kafka_poll(client.handle.get(), 0);
        client.serveLogs();
        if (fatal) {
            // The idempotent producer cannot go on after a fatal error: start a new one, keeping every message.
            Q_EMIT q->fatalError(QStringLiteral("Kafka producer fatal error: %1").arg(fatalText));
            fatal = false;
            destroyClient();
            if (auto r = createClient(); !r) {
                qCCritical(lcKafka).noquote() << "cannot recreate the producer:" << r.error().message;
                timer->stop();
                return;
            }
        }
        if (creditsHeld && !holdsCredit())
            releaseCredits();
        drainPending();
        replaySpool();
        if (spool)
            if (auto f = spool->flush(); !f && f.error().message != lastSpoolError) {
                qCWarning(lcKafka).noquote() << "spool:" << f.error().message;
                lastSpoolError = f.error().message;
            }
        updateQueueStat();
        if (sinceStateCheck.elapsed() >= kStatePollMs) {
            sinceStateCheck.restart();
            ensureTopic();
            probeBroker();
        }
    }

    // Without traffic no delivery report tells us the cluster came back: ask for metadata when not Connected.
    void probeBroker()
    {
        if (brokerUp
            && stats.kafkaState.load(std::memory_order_relaxed) == static_cast<int>(ComponentState::Connected))
            return;
        const rd_kafka_metadata_t *raw = nullptr;
        if (rd_kafka_metadata(client.handle.get(), 0, topic.get(), &raw, 200) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            kafka::MetadataPtr md(raw);
            if (md->broker_cnt > 0) {
                stats.setKafkaState(ComponentState::Connected);
                brokerUp = true;
            }
        }
    }
};

KafkaProducer::KafkaProducer(const Config &config, Stats &stats, KafkaProducerOptions options, QObject *parent)
    : QObject(parent), d(std::make_unique<Impl>(this, config, stats, options))
{}

KafkaProducer::~KafkaProducer()
{
    if (d->client.handle) {
        qCWarning(lcKafka) << "KafkaProducer destroyed without close(); closing now";
        close(1000);
    }
}

qint64 KafkaProducer::queueDepth() const
{
    return (d->client.handle ? rd_kafka_outq_len(d->client.handle.get()) : 0) + qint64(d->pending.size());
}

bool KafkaProducer::isClosed() const
{
    return d->closed;
}

void KafkaProducer::start()
{
    if (d->started || d->closed)
        return;
    d->started = true;
    d->stats.setKafkaState(ComponentState::Connecting);
    if (!d->config.kafkaSpoolDir.isEmpty() && d->config.kafkaSpoolMaxBytes > 0) {
        DiskSpool::Options so;
        so.dir = d->config.kafkaSpoolDir + QLatin1Char('/') + d->config.kafkaTopic;
        so.maxBytes = d->config.kafkaSpoolMaxBytes;
        d->spool = std::make_unique<DiskSpool>(so);
        // Messages an earlier run left on disk are sent once the cluster answers.
        if (auto r = d->spool->open(false); !r) {
            qCWarning(lcKafka).noquote() << "spool disabled:" << r.error().message;
            d->spool.reset();
        }
    }
    if (auto r = d->createClient(); !r) {
        qCCritical(lcKafka).noquote() << "Kafka producer:" << r.error().message;
        d->stats.setKafkaState(ComponentState::Down);
        Q_EMIT fatalError(r.error().message);
        return;
    }
    d->timer = new QTimer(this);
    d->timer->setInterval(d->options.pollIntervalMs);
    connect(d->timer, &QTimer::timeout, this, [this] { d->tick(); });
    d->timer->start();
    d->sinceStateCheck.start();
    qCInfo(lcKafka).noquote() << "producer started: brokers" << d->config.kafkaBrokers << "topic" << d->config.kafkaTopic;
    Q_EMIT started();
}

void KafkaProducer::produce(TxBatchPtr batch)
{
    if (!batch || batch->transactions.empty())
        return;
    if (!d->started)
        start();
    if (d->closed || !d->client.handle) {
        d->countDropped(qint64(batch->transactions.size()),
                        d->closed ? QStringLiteral("producer is closed") : QStringLiteral("producer failed to start"));
        return;
    }
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    const bool holdCredit = batch->credit && d->holdsCredit();
    d->creditsHeld = d->creditsHeld || holdCredit;
    for (const Transaction &tx : batch->transactions) {
        auto msg = std::make_unique<OutMessage>();
        msg->key = tx.hash;
        msg->value = tx.raw;
        msg->timestampMs = tx.receivedMs > 0 ? tx.receivedMs : now;
        msg->sequence = tx.sequence;
        if (holdCredit)
            msg->credit = batch->credit;
        // Keep arrival order: while older messages wait in the pending buffer, new ones queue behind them.
        if (!d->pending.empty() || !d->send(msg))
            d->keepUndelivered(std::move(msg), QStringLiteral("producer queue full"));
    }
    if (!d->pending.empty())
        d->drainPending();
    d->updateQueueStat();
}

int KafkaProducer::close(int timeoutMs)
{
    if (d->closed)
        return 0;
    d->closed = true;
    if (d->timer)
        d->timer->stop();
    int undelivered = 0;
    if (d->client.handle) {
        rd_kafka_t *rk = d->client.handle.get();
        const QDeadlineTimer deadline(timeoutMs);
        d->drainPending();
        while ((rd_kafka_outq_len(rk) > 0 || !d->pending.empty()) && !deadline.hasExpired()) {
            rd_kafka_flush(rk, static_cast<int>(std::min<qint64>(100, std::max<qint64>(1, deadline.remainingTime()))));
            d->client.serveLogs();
            d->drainPending();
        }
        d->destroyClient(); // whatever librdkafka still held is now in `pending`
    }
    // What is still undelivered goes to the spool for the next start; only what it cannot take is dropped.
    int spooled = 0;
    for (auto &msg : d->pending) {
        if (d->toSpool(*msg)) {
            ++spooled;
        } else {
            ++undelivered;
        }
        d->settle(*msg);
    }
    if (d->spool)
        (void)d->spool->flush();
    if (spooled > 0)
        qCWarning(lcKafka) << "producer closed with" << spooled << "undelivered message(s) kept in the spool"
                           << d->spool->directory() << "for the next start";
    if (undelivered > 0) {
        qCWarning(lcKafka) << "producer closed with" << undelivered << "undelivered message(s) after" << timeoutMs
                           << "ms that could not be kept";
        d->stats.dropped.fetch_add(undelivered, std::memory_order_relaxed);
    } else if (spooled == 0) {
        qCInfo(lcKafka) << "producer closed, everything delivered";
    }
    d->pending.clear();
    d->updateQueueStat();
    Q_EMIT closed(undelivered);
    return undelivered;
}

} // namespace txpulse
