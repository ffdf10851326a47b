#pragma once

#include <cstddef>
#include <string_view>

namespace txpulse {

// Why a feed message was not turned into a Transaction. Stable names: they are metric labels
// (txpulse_feed_rejected_total{reason="..."}) and appear in logs.
enum class ParseError {
    BinaryFrame,    // a binary WebSocket frame (the protocol is text only)
    TooLarge,       // message above the size limit
    InvalidUtf8,    // not valid UTF-8
    InvalidJson,    // not parseable JSON (truncated, bad syntax, too deep)
    NotObject,      // top level is not an object
    MissingOp,      // no "op" string
    MissingX,       // "op":"utx" without an "x" object
    BadHash,        // x.hash missing or not 64 hex characters
    BadTime,        // x.time missing, not an integer, or out of range
    BadSize,        // x.size not a non-negative integer
    BadInputs,      // inputs not an array or an element malformed
    BadOutputs,     // out not an array or an element malformed
    BadValue,       // a value negative, not an integer, or above 21e14 satoshis
    BadAddress,     // addr neither a string nor null, or absurdly long
    TooManyItems,   // more inputs or outputs than any real transaction has
    WrongType,      // another field with a type the format never uses
};
inline constexpr std::size_t kParseErrorCount = static_cast<std::size_t>(ParseError::WrongType) + 1;

constexpr std::string_view parseErrorName(ParseError e)
{
    switch (e) {
    case ParseError::BinaryFrame: return "binary_frame";
    case ParseError::TooLarge: return "too_large";
    case ParseError::InvalidUtf8: return "invalid_utf8";
    case ParseError::InvalidJson: return "invalid_json";
    case ParseError::NotObject: return "not_object";
    case ParseError::MissingOp: return "missing_op";
    case ParseError::MissingX: return "missing_x";
    case ParseError::BadHash: return "bad_hash";
    case ParseError::BadTime: return "bad_time";
    case ParseError::BadSize: return "bad_size";
    case ParseError::BadInputs: return "bad_inputs";
    case ParseError::BadOutputs: return "bad_outputs";
    case ParseError::BadValue: return "bad_value";
    case ParseError::BadAddress: return "bad_address";
    case ParseError::TooManyItems: return "too_many_items";
    case ParseError::WrongType: return "wrong_type";
    }
    return "unknown";
}

} // namespace txpulse
