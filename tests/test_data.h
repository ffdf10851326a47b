#pragma once

// The recorded feed messages under tests/data, as the tests read them. TXPULSE_TEST_DATA is set by
// txpulse_add_test().

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QString>

namespace txpulse::test {

// The non-empty lines of a file, a trailing CR dropped. A test cannot run without its data: qFatal when the
// file cannot be read.
inline QList<QByteArray> readLines(const QString &path)
{
    QList<QByteArray> lines;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    for (QByteArray line : f.readAll().split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (!line.isEmpty())
            lines.append(line);
    }
    return lines;
}

// A recorded fixture by name: fixtureLines(u"blockchain_utx_sample.ndjson").
inline QList<QByteArray> fixtureLines(QStringView name)
{
    return readLines(QStringLiteral(TXPULSE_TEST_DATA "/") + name.toString());
}

} // namespace txpulse::test
