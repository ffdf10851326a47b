#include "feed/feed_recorder.h"

#include "support/logging.h"

#include <QTimer>

namespace txpulse {

namespace {
constexpr int kFlushIntervalMs = 1000;
}

FeedRecorder::FeedRecorder(QObject *parent)
    : QObject(parent)
    , m_flushTimer(new QTimer(this))
{
    m_flushTimer->setInterval(kFlushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &FeedRecorder::flush);
}

FeedRecorder::~FeedRecorder()
{
    close();
}

bool FeedRecorder::open(const QString &path)
{
    close();
    m_error.clear();
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        m_error = m_file.errorString();
        qCWarning(lcFeed).noquote() << "record: cannot open" << path << "for appending:" << m_error
                                    << "- not recording";
        return false;
    }
    m_recording = true;
    qCInfo(lcFeed).noquote() << "record: appending every feed message to" << path;
    return true;
}

void FeedRecorder::append(QByteArrayView message)
{
    if (!m_recording)
        return;
    if (!m_flushTimer->isActive())
        m_flushTimer->start(); // started here, on the recorder's own thread
    QByteArrayView line = message;
    if (message.contains('\n') || message.contains('\r')) {
        m_scratch = message.toByteArray();
        m_scratch.replace('\n', ' ').replace('\r', ' ');
        line = m_scratch;
        if (m_newlinesReplaced++ == 0)
            qCWarning(lcFeed) << "record: a message contained raw line breaks; replaced by spaces (counted)";
    }
    if (m_file.write(line.data(), line.size()) != line.size() || !m_file.putChar('\n')) {
        fail(QStringLiteral("write"));
        return;
    }
    ++m_recorded;
}

void FeedRecorder::flush()
{
    if (m_recording && !m_file.flush())
        fail(QStringLiteral("flush"));
}

void FeedRecorder::close()
{
    m_flushTimer->stop();
    if (!m_file.isOpen())
        return;
    flush();
    m_file.close();
    m_recording = false;
}

void FeedRecorder::fail(const QString &what)
{
    m_error = m_file.errorString();
    qCWarning(lcFeed).noquote() << "record:" << what << "to" << m_file.fileName() << "failed:" << m_error
                                << "- recording stopped after" << m_recorded << "messages";
    m_recording = false;
    m_flushTimer->stop();
    m_file.close();
}

} // namespace txpulse
