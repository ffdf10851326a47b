#pragma once

#include "support/error.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

class QFile;
class QLockFile;

namespace txpulse {

// The Kafka producer's on-disk overflow: messages that could not be delivered (the broker unreachable for
// longer than message.timeout.ms, or more waiting than the in-memory bound) are appended here and handed back,
// oldest segment first, once the broker is back. Nothing leaves the disk before it is delivered: a segment
// taken for replay stays until release(), so a crash in between re-sends it at the next start (the store's
// dedupe makes that harmless).
//
// Layout: one directory per topic holding a `lock` file (one process at a time) and append-only segment files
// NNNNNNNNNNNNNNNNNNNN.seg. A record is: payload length (u32 LE), CRC-32 of the payload (u32 LE), payload =
// key length (u16 LE), key, value length (u32 LE), value, header length (u16 LE), the "seq" header value,
// timestamp ms (i64 LE). A torn or corrupt tail (a crash while writing) ends that segment's replay; the
// records lost that way are counted in corruptRecords(). Appends are flushed to the OS by flush(), not synced
// to the disk: a process crash loses nothing flushed, a power loss may.
//
// The size cap (`maxBytes`) covers every segment on disk, taken or not: an append that would exceed it fails
// with code "spool.full" and the caller counts the message as dropped.
//
// Not thread-safe: it belongs to the producer's thread. Opened lazily by the first call that needs the disk
// (the directory is created only when something is spooled); the destructor flushes and releases the lock.
class DiskSpool {
public:
    struct Record {
        std::string key;
        QByteArray value;
        QByteArray header; // the message's "seq" header value (releases before it kept received_ms here: not 8
                           // bytes, so a replay ignores it)
        std::int64_t timestampMs = 0;
    };
    struct Segment {
        std::uint64_t id = 0;
        std::vector<Record> records;
    };
    struct Options {
        QString dir;                                 // this topic's spool directory
        qint64 maxBytes = 1LL << 30;                 // cap of all segments together
        qint64 segmentBytes = 8LL << 20;             // a segment is closed for replay beyond this size
    };

    explicit DiskSpool(Options options);
    ~DiskSpool();
    DiskSpool(const DiskSpool &) = delete;
    DiskSpool &operator=(const DiskSpool &) = delete;

    // Creates the directory (when `create`), takes the lock and indexes the segments a previous run left.
    // Without `create` a missing directory is simply an empty spool.
    Expected<void> open(bool create);
    bool isOpen() const { return m_open; }

    Expected<void> append(const Record &record);
    Expected<void> flush();
    // The oldest segment not yet taken (the tail segment is closed first if it is the only one), or a segment
    // with id 0 and no records when there is none. Its file stays until release(id).
    Expected<Segment> takeOldest();
    // Every record of segment `id` was delivered (or is kept elsewhere): deletes its file.
    void release(std::uint64_t id);

    qint64 waitingRecords() const { return m_waitingRecords; } // in segments not taken yet
    qint64 bytesOnDisk() const { return m_bytes; }
    qint64 corruptRecords() const { return m_corrupt; }
    const QString &directory() const { return m_options.dir; }

    static std::uint32_t crc32(const char *data, std::size_t size);

private:
    struct SegmentInfo {
        qint64 bytes = 0;
        qint64 records = 0;
        bool taken = false;
    };
    QString segmentPath(std::uint64_t id) const;
    Expected<void> startTail();
    Expected<std::vector<Record>> readSegment(std::uint64_t id);
    void closeTail();

    Options m_options;
    bool m_open = false;
    std::unique_ptr<QLockFile> m_lock;
    std::map<std::uint64_t, SegmentInfo> m_segments; // by id, oldest first; includes the tail
    std::unique_ptr<QFile> m_tail;                   // open for appending, or null
    std::uint64_t m_tailId = 0;
    std::uint64_t m_nextId = 1;
    qint64 m_waitingRecords = 0;
    qint64 m_bytes = 0;
    qint64 m_corrupt = 0;
};

} // namespace txpulse
