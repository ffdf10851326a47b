#include "aggregates/aggregate.h"

#include "store/store_common.h"

#include <algorithm>

namespace txpulse::aggregates {

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
