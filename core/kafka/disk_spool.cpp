#include "kafka/disk_spool.h"

#include "support/logging.h"

#include <QDir>
#include <QFile>
#include <QLockFile>

#include <algorithm>
#include <array>
#include <cstring>

namespace txpulse {

namespace {

constexpr int kHeaderBytes = 8;                // payload length, CRC-32
constexpr std::uint32_t kMaxPayload = 64u << 20; // far above any feed message; larger is corruption

Error spoolError(const QString &code, const QString &message, bool retriable = false)
{
    return Error{code, message, retriable};
}

void putU16(QByteArray &out, std::uint16_t v)
{
    const char b[2] = {char(v & 0xff), char(v >> 8)};
    out.append(b, 2);
}

void putU32(QByteArray &out, std::uint32_t v)
{
    const char b[4] = {char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)};
    out.append(b, 4);
}

void putI64(QByteArray &out, std::int64_t v)
{
    const auto u = static_cast<std::uint64_t>(v);
    putU32(out, std::uint32_t(u & 0xffffffffu));
    putU32(out, std::uint32_t(u >> 32));
}

// Reads little-endian integers from a payload, failing (ok = false) instead of reading past its end.
class Reader {
public:
    Reader(const char *data, std::size_t size) : m_p(data), m_end(data + size) {}
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_p == m_end; }
    std::uint64_t uint(int bytes)
    {
        if (!take(std::size_t(bytes)))
            return 0;
        std::uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i)
            v = (v << 8) | static_cast<unsigned char>(m_last[i]);
        return v;
    }
    const char *bytes(std::size_t n) { return take(n) ? m_last : nullptr; }

private:
    bool take(std::size_t n)
    {
        if (!m_ok || std::size_t(m_end - m_p) < n) {
            m_ok = false;
            return false;
        }
        m_last = m_p;
        m_p += n;
        return true;
    }
    const char *m_p;
    const char *m_end;
    const char *m_last = nullptr;
    bool m_ok = true;
};

QByteArray encode(const DiskSpool::Record &r)
{
    QByteArray payload;
    payload.reserve(qsizetype(2 + r.key.size() + 4 + std::size_t(r.value.size()) + 2 + std::size_t(r.header.size()) + 8));
    putU16(payload, std::uint16_t(r.key.size()));
    payload.append(r.key.data(), qsizetype(r.key.size()));
    putU32(payload, std::uint32_t(r.value.size()));
    payload.append(r.value);
    putU16(payload, std::uint16_t(r.header.size()));
    payload.append(r.header);
    putI64(payload, r.timestampMs);
    QByteArray out;
    out.reserve(kHeaderBytes + payload.size());
    putU32(out, std::uint32_t(payload.size()));
    putU32(out, DiskSpool::crc32(payload.constData(), std::size_t(payload.size())));
    out.append(payload);
    return out;
}

bool decode(const char *data, std::size_t size, DiskSpool::Record &r)
{
    Reader in(data, size);
    const auto keyLen = in.uint(2);
    const char *key = in.bytes(keyLen);
    const auto valueLen = in.uint(4);
    const char *value = in.bytes(valueLen);
    const auto headerLen = in.uint(2);
    const char *header = in.bytes(headerLen);
    const auto ts = in.uint(8);
    if (!in.ok() || !in.atEnd())
        return false;
    r.key.assign(key, keyLen);
    r.value = QByteArray(value, qsizetype(valueLen));
    r.header = QByteArray(header, qsizetype(headerLen));
    r.timestampMs = static_cast<std::int64_t>(ts);
    return true;
}

} // namespace

std::uint32_t DiskSpool::crc32(const char *data, std::size_t size)
{
    // CRC-32 (IEEE 802.3, reflected, as zlib computes it).
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t c = 0xffffffffu;
    for (std::size_t i = 0; i < size; ++i)
        c = table[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

DiskSpool::DiskSpool(Options options) : m_options(std::move(options)) {}

DiskSpool::~DiskSpool()
{
    closeTail();
}

QString DiskSpool::segmentPath(std::uint64_t id) const
{
    return m_options.dir + QStringLiteral("/%1.seg").arg(id, 20, 10, QLatin1Char('0'));
}

Expected<void> DiskSpool::open(bool create)
{
    if (m_open)
        return {};
    QDir dir(m_options.dir);
    if (!dir.exists()) {
        if (!create)
            return {}; // nothing spooled, nothing to lock yet
        if (!QDir().mkpath(m_options.dir))
            return spoolError(QStringLiteral("spool.io"), QStringLiteral("cannot create the spool directory %1").arg(m_options.dir));
    }
    auto lock = std::make_unique<QLockFile>(dir.filePath(QStringLiteral("lock")));
    if (!lock->tryLock(0)) // a lock left by a process that died is stale and taken over
        return spoolError(QStringLiteral("spool.locked"),
                          QStringLiteral("the spool %1 is in use by another process").arg(m_options.dir));
    m_lock = std::move(lock);

    const QStringList files = dir.entryList({QStringLiteral("*.seg")}, QDir::Files, QDir::Name);
    for (const QString &name : files) {
        bool ok = false;
        const std::uint64_t id = name.chopped(4).toULongLong(&ok);
        if (!ok || id == 0)
            continue;
        // Count the records without keeping them: read the headers, skip the payloads.
        QFile f(segmentPath(id));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        SegmentInfo info;
        info.bytes = f.size();
        char header[kHeaderBytes];
        qint64 pos = 0;
        while (f.read(header, kHeaderBytes) == kHeaderBytes) {
            Reader r(header, kHeaderBytes);
            const auto len = r.uint(4);
            if (len > kMaxPayload || pos + kHeaderBytes + qint64(len) > info.bytes)
                break;
            pos += kHeaderBytes + qint64(len);
            f.seek(pos);
            ++info.records;
        }
        m_segments.emplace(id, info);
        m_bytes += info.bytes;
        m_waitingRecords += info.records;
        m_nextId = std::max(m_nextId, id + 1);
    }
    m_open = true;
    if (m_waitingRecords > 0)
        qCInfo(lcKafka).noquote() << "spool" << m_options.dir << "holds" << m_waitingRecords << "message(s) from an earlier run";
    return {};
}

Expected<void> DiskSpool::startTail()
{
    const std::uint64_t id = m_nextId++;
    auto file = std::make_unique<QFile>(segmentPath(id));
    if (!file->open(QIODevice::WriteOnly | QIODevice::Append))
        return spoolError(QStringLiteral("spool.io"),
                          QStringLiteral("cannot create %1: %2").arg(file->fileName(), file->errorString()), true);
    m_tail = std::move(file);
    m_tailId = id;
    m_segments.emplace(id, SegmentInfo{});
    return {};
}

void DiskSpool::closeTail()
{
    if (!m_tail)
        return;
    m_tail->flush();
    m_tail->close();
    m_tail.reset();
    // An empty tail is removed rather than kept as a zero-record segment.
    auto it = m_segments.find(m_tailId);
    if (it != m_segments.end() && it->second.records == 0) {
        QFile::remove(segmentPath(m_tailId));
        m_segments.erase(it);
    }
    m_tailId = 0;
}

Expected<void> DiskSpool::append(const Record &record)
{
    if (!m_open)
        if (auto r = open(true); !r)
            return r;
    if (record.key.size() > 0xffff || record.header.size() > 0xffff || std::uint64_t(record.value.size()) > kMaxPayload)
        return spoolError(QStringLiteral("spool.too_large"), QStringLiteral("message too large for the spool"));
    const QByteArray bytes = encode(record);
    if (m_bytes + bytes.size() > m_options.maxBytes)
        return spoolError(QStringLiteral("spool.full"),
                          QStringLiteral("the spool %1 is full (%2 bytes)").arg(m_options.dir).arg(m_options.maxBytes), true);
    if (m_tail && m_segments[m_tailId].bytes + bytes.size() > m_options.segmentBytes)
        closeTail();
    if (!m_tail)
        if (auto r = startTail(); !r)
            return r;
    if (m_tail->write(bytes) != bytes.size())
        return spoolError(QStringLiteral("spool.io"),
                          QStringLiteral("cannot write %1: %2").arg(m_tail->fileName(), m_tail->errorString()), true);
    SegmentInfo &info = m_segments[m_tailId];
    info.bytes += bytes.size();
    info.records += 1;
    m_bytes += bytes.size();
    m_waitingRecords += 1;
    return {};
}

Expected<void> DiskSpool::flush()
{
    if (m_tail && !m_tail->flush())
        return spoolError(QStringLiteral("spool.io"),
                          QStringLiteral("cannot flush %1: %2").arg(m_tail->fileName(), m_tail->errorString()), true);
    return {};
}

Expected<std::vector<DiskSpool::Record>> DiskSpool::readSegment(std::uint64_t id)
{
    QFile f(segmentPath(id));
    if (!f.open(QIODevice::ReadOnly))
        return spoolError(QStringLiteral("spool.io"), QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString()), true);
    const QByteArray all = f.readAll();
    std::vector<Record> records;
    qsizetype pos = 0;
    while (pos + kHeaderBytes <= all.size()) {
        Reader h(all.constData() + pos, kHeaderBytes);
        const auto len = h.uint(4);
        const auto crc = std::uint32_t(h.uint(4));
        if (len > kMaxPayload || pos + kHeaderBytes + qsizetype(len) > all.size())
            break;
        const char *payload = all.constData() + pos + kHeaderBytes;
        Record r;
        if (crc32(payload, len) != crc || !decode(payload, len, r))
            break;
        records.push_back(std::move(r));
        pos += kHeaderBytes + qsizetype(len);
    }
    if (pos != all.size()) {
        const qint64 expected = m_segments.count(id) ? m_segments[id].records : qint64(records.size());
        const qint64 lost = std::max<qint64>(1, expected - qint64(records.size()));
        m_corrupt += lost;
        qCWarning(lcKafka).noquote() << "spool segment" << f.fileName() << "is damaged after" << records.size()
                                     << "record(s); the rest (" << (all.size() - pos) << "bytes) is skipped";
    }
    return records;
}

Expected<DiskSpool::Segment> DiskSpool::takeOldest()
{
    if (!m_open)
        if (auto r = open(false); !r)
            return r.error();
    Segment out;
    auto it = std::find_if(m_segments.begin(), m_segments.end(), [](const auto &s) { return !s.second.taken; });
    if (it == m_segments.end())
        return out;
    if (it->first == m_tailId) {
        if (it->second.records == 0)
            return out;
        closeTail(); // `it` stays valid: the tail has records, so closeTail() keeps it
    }
    auto records = readSegment(it->first);
    if (!records)
        return records.error();
    it->second.taken = true;
    m_waitingRecords -= it->second.records;
    out.id = it->first;
    out.records = std::move(*records);
    return out;
}

void DiskSpool::release(std::uint64_t id)
{
    auto it = m_segments.find(id);
    if (it == m_segments.end() || id == m_tailId) // the tail is never handed out, so never released
        return;
    if (!it->second.taken)
        m_waitingRecords -= it->second.records;
    m_bytes -= it->second.bytes;
    if (!QFile::remove(segmentPath(id)))
        qCWarning(lcKafka).noquote() << "cannot remove the delivered spool segment" << segmentPath(id);
    m_segments.erase(id);
}

} // namespace txpulse
