#include "aggregates/aggregate.h"

#include "store/store_common.h"

#include <algorithm>

namespace txpulse::aggregates {

ReadContext ReadContext::at(std::int64_t nowMs, const ReadRequest &request, int windowMinutes)
{
    ReadContext ctx;
    ctx.nowMs = nowMs;
    ctx.nowMinute = storedetail::minuteOfMs(nowMs);
    ctx.minutes = storedetail::clampMinutes(request.minutes);
    ctx.firstMinute = ctx.nowMinute - ctx.minutes + 1;
    ctx.floor = storedetail::windowFloor(nowMs, windowMinutes);
    ctx.topN = request.topN;
    return ctx;
}

bool ReadContext::overlapsSeries(const Gap &g) const
{
    return storedetail::gapOverlaps(g, firstMinute * 60'000, (nowMinute + 1) * 60'000, nowMs);
}

bool ReadContext::inGap(std::int64_t minute) const
{
    return gaps && std::any_of(gaps->begin(), gaps->end(), [&](const Gap &g) {
        return storedetail::gapOverlaps(g, minute * 60'000, (minute + 1) * 60'000, nowMs);
    });
}

std::int64_t RedisApplyBatch::minuteTtl(std::int64_t minute) const
{
    return (minute + windowMinutes) * 60 + storedetail::kKeyMarginSeconds - nowMs / 1000;
}

Error unexpectedReply(const char *what)
{
    return Error{QStringLiteral("redis.reply"), QStringLiteral("unexpected Redis reply to %1").arg(QLatin1String(what)),
                 false};
}

} // namespace txpulse::aggregates
