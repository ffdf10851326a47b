#pragma once

#include <QByteArrayView>
#include <QFile>
#include <QObject>
#include <QString>

class QTimer;

namespace txpulse {

// Appends every raw feed message to an NDJSON file (`txpulse --record FILE`), one message per line, so a
// live run can be replayed later with txpulse-replay. Writes are buffered and flushed at least once a
// second. A message that contains a raw CR or LF (never the case for the JSON text frames the feed sends,
// where such characters can only be whitespace between tokens) has them replaced by spaces, which keeps the
// file one message per line and leaves valid JSON meaning unchanged; such messages are counted.
// The first write error is logged once and recording stops; the application carries on.
//
// Thread affinity: the thread it lives on (the ingest worker's, as its child). Teardown: close() or the
// destructor flushes and closes the file.
class FeedRecorder : public QObject {
    Q_OBJECT

public:
    explicit FeedRecorder(QObject *parent = nullptr);
    ~FeedRecorder() override;

    // Opens `path` for appending (created if missing). False, with the reason logged and in errorString(),
    // when it cannot.
    bool open(const QString &path);
    bool isRecording() const { return m_recording; }
    QString errorString() const { return m_error; }

    void append(QByteArrayView message);
    void flush();
    void close();

    qint64 recorded() const { return m_recorded; }
    qint64 newlinesReplaced() const { return m_newlinesReplaced; } // messages that had CR/LF replaced

private:
    void fail(const QString &what);

    QFile m_file;
    QTimer *m_flushTimer;
    QByteArray m_scratch;
    QString m_error;
    bool m_recording = false;
    qint64 m_recorded = 0;
    qint64 m_newlinesReplaced = 0;
};

} // namespace txpulse
