// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The rules of the Trace Event JSON format (the "JSON Object Format" that chrome://tracing and Perfetto's UI open),
// checked on a document: a "traceEvents" array of objects, each with a string name and a known phase; times in
// microseconds; complete events ("X") with a duration, not partly overlapping another on the same thread (slices
// nest or follow each other); counters ("C") with numeric arguments; instant events ("i") with a valid scope; metadata
// ("M") of a known kind with its argument.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QPair>
#include <QString>

#include <algorithm>
#include <vector>

struct TraceEventCheck {
    QString error; ///< empty: the document follows the rules
    QMap<QString, int> phases; ///< events per phase
    QJsonArray events;
};

inline TraceEventCheck checkTraceEvents(const QByteArray& bytes)
{
    TraceEventCheck c;
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parse);
    if (parse.error != QJsonParseError::NoError) {
        c.error = QStringLiteral("not JSON: ") + parse.errorString();
        return c;
    }
    if (!doc.isObject() || !doc.object().value(QStringLiteral("traceEvents")).isArray()) {
        c.error = QStringLiteral("no traceEvents array in a top-level object");
        return c;
    }
    const QString unit = doc.object().value(QStringLiteral("displayTimeUnit")).toString(QStringLiteral("ms"));
    if (unit != QStringLiteral("ms") && unit != QStringLiteral("ns")) {
        c.error = QStringLiteral("displayTimeUnit must be ms or ns");
        return c;
    }
    c.events = doc.object().value(QStringLiteral("traceEvents")).toArray();
    struct Slice {
        double begin;
        double end;
    };
    QMap<QPair<qint64, qint64>, std::vector<Slice>> slices;
    const QStringList metadata{QStringLiteral("process_name"), QStringLiteral("process_labels"),
                               QStringLiteral("process_sort_index"), QStringLiteral("thread_name"),
                               QStringLiteral("thread_sort_index")};
    for (int i = 0; i < c.events.size(); ++i) {
        const auto fail = [&](const QString& what) -> const TraceEventCheck& {
            c.error =
                QStringLiteral("event %1: %2: %3")
                    .arg(i)
                    .arg(what, QString::fromUtf8(QJsonDocument(c.events[i].toObject()).toJson(QJsonDocument::Compact)));
            return c;
        };
        if (!c.events[i].isObject())
            return fail(QStringLiteral("not an object"));
        const QJsonObject e = c.events[i].toObject();
        const QString ph = e.value(QStringLiteral("ph")).toString();
        if (!e.value(QStringLiteral("name")).isString() || ph.size() != 1)
            return fail(QStringLiteral("needs a string name and a one-letter ph"));
        if (!e.value(QStringLiteral("pid")).isDouble())
            return fail(QStringLiteral("needs a numeric pid"));
        ++c.phases[ph];
        if (ph == QStringLiteral("M")) {
            if (!metadata.contains(e.value(QStringLiteral("name")).toString()) ||
                !e.value(QStringLiteral("args")).isObject())
                return fail(QStringLiteral("unknown metadata or no args"));
            continue;
        }
        if (!e.value(QStringLiteral("ts")).isDouble() || e.value(QStringLiteral("ts")).toDouble() < 0)
            return fail(QStringLiteral("needs a time (ts, us, not negative)"));
        const double ts = e.value(QStringLiteral("ts")).toDouble();
        if (ph == QStringLiteral("X")) {
            if (!e.value(QStringLiteral("dur")).isDouble() || e.value(QStringLiteral("dur")).toDouble() < 0 ||
                !e.value(QStringLiteral("tid")).isDouble())
                return fail(QStringLiteral("a complete event needs tid and a duration not negative"));
            slices[{e.value(QStringLiteral("pid")).toInteger(), e.value(QStringLiteral("tid")).toInteger()}].push_back(
                {ts, ts + e.value(QStringLiteral("dur")).toDouble()});
        } else if (ph == QStringLiteral("C")) {
            const QJsonObject args = e.value(QStringLiteral("args")).toObject();
            if (args.isEmpty())
                return fail(QStringLiteral("a counter needs args"));
            for (auto it = args.begin(); it != args.end(); ++it)
                if (!it.value().isDouble())
                    return fail(QStringLiteral("a counter's args are numbers"));
        } else if (ph == QStringLiteral("i") || ph == QStringLiteral("I")) {
            const QString s = e.value(QStringLiteral("s")).toString(QStringLiteral("t"));
            if (s != QStringLiteral("g") && s != QStringLiteral("p") && s != QStringLiteral("t"))
                return fail(QStringLiteral("an instant's scope is g, p or t"));
        } else {
            return fail(QStringLiteral("a phase this exporter does not write"));
        }
    }
    // slices on one thread nest or follow each other
    for (auto it = slices.begin(); it != slices.end(); ++it) {
        std::vector<Slice>& list = it.value();
        std::sort(list.begin(), list.end(), [](const Slice& a, const Slice& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
        });
        // times are microseconds with ns decimals: a begin and an end within half a ns are the same time
        constexpr double kSameTime = 0.0005;
        std::vector<double> open; // ends of the enclosing slices
        for (const Slice& s : list) {
            while (!open.empty() && open.back() <= s.begin + kSameTime)
                open.pop_back();
            if (!open.empty() && s.end > open.back() + kSameTime) {
                c.error = QStringLiteral("slices overlap on pid %1 tid %2 at %3 us")
                              .arg(it.key().first)
                              .arg(it.key().second)
                              .arg(s.begin, 0, 'f', 3);
                return c;
            }
            open.push_back(s.end);
        }
    }
    return c;
}
