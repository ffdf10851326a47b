#include "model/transaction_parser.h"

#include "support/hex.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <string_view>
#include <vector>

namespace txpulse {

namespace od = simdjson::ondemand;

namespace {

// Deeper than any real message (root > x > inputs > input > prev_out is 5) with room for extra fields.
constexpr std::size_t kMaxDepth = 64;
// The longest real address is a 90-character bech32 string; anything much longer is not an address.
constexpr std::size_t kMaxAddressLength = 128;
// A transaction's serialized size is bounded by the 4 MWU block weight.
constexpr std::int64_t kMaxTxSize = 4'000'000;
// 9999-12-31: keeps time * 1000 and minute arithmetic far from overflow.
constexpr std::int64_t kMaxTime = 253'402'300'799;

bool isHex64(std::string_view s)
{
    if (s.size() != 64)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return hexDigitValue(c) >= 0; });
}

// Nesting depth of a JSON text, not counting brackets inside strings. Stops counting past `limit`.
int nestingDepth(std::string_view json, int limit)
{
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : json) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit)
                break;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

// On-Demand (3.0.1) does not enforce a depth limit: it skips unread containers iteratively, so deep input
// cannot exhaust the stack, but we still refuse messages nested deeper than kMaxDepth. The fields we read
// are at most 5 deep; an unread field that is a container (rare: real messages have none besides inputs,
// out and prev_out) is measured here. `depth` is the nesting level of `v` (the root object is 1).
simdjson::error_code skipWithinDepth(od::value &v, int depth)
{
    od::json_type type;
    if (const auto e = v.type().get(type))
        return e;
    std::string_view text;
    if (type == od::json_type::array) {
        od::array a;
        if (const auto e = v.get_array().get(a))
            return e;
        if (const auto e = a.raw_json().get(text))
            return e;
    } else if (type == od::json_type::object) {
        od::object o;
        if (const auto e = v.get_object().get(o))
            return e;
        if (const auto e = o.raw_json().get(text))
            return e;
    } else {
        return simdjson::SUCCESS;
    }
    const int limit = static_cast<int>(kMaxDepth) - depth + 1;
    return nestingDepth(text, limit) > limit ? simdjson::DEPTH_ERROR : simdjson::SUCCESS;
}

// Carries the first failure out of the nested helpers; parsing stops at the first one.
struct Failure {
    ParseError error = ParseError::InvalidJson;
    std::string detail;
};

std::string simdjsonDetail(simdjson::error_code e, std::string_view where)
{
    std::string s(where);
    s += ": ";
    s += simdjson::error_message(e);
    return s;
}

// Syntax-level errors (truncation, bad tokens, depth) win over type errors: they mean "not JSON".
bool isSyntaxError(simdjson::error_code e)
{
    switch (e) {
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::NUMBER_ERROR:
        return false;
    default:
        return true;
    }
}

class TxReader {
public:
    explicit TxReader(Transaction &tx) : m_tx(tx) {}

    Failure failure;

    bool fail(ParseError e, std::string detail)
    {
        failure = {e, std::move(detail)};
        return false;
    }
    // A simdjson error while reading `where`: syntax problems are InvalidJson, the rest `typeError`.
    bool failJson(simdjson::error_code e, ParseError typeError, std::string_view where)
    {
        return fail(isSyntaxError(e) ? ParseError::InvalidJson : typeError, simdjsonDetail(e, where));
    }

    // Walks the fields of `object` in order: onField(key, value) reads one and returns false on a failure,
    // which ends the walk. A field or key simdjson cannot read fails as `error` (InvalidJson when it is a
    // syntax error), named `where` or `whereKey`.
    template <typename OnField>
    bool readFields(od::object &object, ParseError error, std::string_view where, std::string_view whereKey,
                    OnField onField)
    {
        for (auto fieldResult : object) {
            od::field field;
            if (const auto e = std::move(fieldResult).get(field))
                return failJson(e, error, where);
            std::string_view key;
            if (const auto e = field.unescaped_key().get(key))
                return failJson(e, error, whereKey);
            if (!onField(key, field.value()))
                return false;
        }
        return true;
    }

    bool readX(od::value &xValue)
    {
        od::object x;
        if (const auto e = xValue.get_object().get(x))
            return failJson(e, ParseError::MissingX, "x is not an object");

        bool haveHash = false;
        bool haveTime = false;
        bool haveOut = false;
        const auto readField = [&](std::string_view key, od::value &v) {
            if (key == "hash") {
                std::string_view hash;
                if (const auto e = v.get_string().get(hash))
                    return failJson(e, ParseError::BadHash, "x.hash is not a string");
                if (!isHex64(hash))
                    return fail(ParseError::BadHash, "x.hash is not 64 hex characters");
                m_tx.hash.assign(hash);
                haveHash = true;
            } else if (key == "time") {
                std::int64_t t = 0;
                if (const auto e = v.get_int64().get(t))
                    return failJson(e, ParseError::BadTime, "x.time is not an integer");
                if (t <= 0 || t > kMaxTime)
                    return fail(ParseError::BadTime, "x.time out of range");
                m_tx.time = t;
                haveTime = true;
            } else if (key == "size") {
                std::int64_t size = 0;
                if (const auto e = v.get_int64().get(size))
                    return failJson(e, ParseError::BadSize, "x.size is not an integer");
                if (size < 0 || size > kMaxTxSize)
                    return fail(ParseError::BadSize, "x.size out of range");
                m_tx.size = size;
            } else if (key == "inputs") {
                return readInputs(v);
            } else if (key == "out") {
                haveOut = true;
                return readOutputs(v);
            } else if (const auto e = skipWithinDepth(v, 3)) {
                return failJson(e, ParseError::InvalidJson, "x");
            }
            // Everything else (ver, lock_time, vin_sz, relayed_by, tx_index, weight, ...) carries nothing
            // we use; on-demand skips it unread, so its type does not matter.
            return true;
        };
        if (!readFields(x, ParseError::InvalidJson, "x", "x key", readField))
            return false;
        if (!haveHash)
            return fail(ParseError::BadHash, "x.hash missing");
        if (!haveTime)
            return fail(ParseError::BadTime, "x.time missing");
        if (!haveOut)
            return fail(ParseError::BadOutputs, "x.out missing");
        // Real transactions always have at least one output, and outputs are what the aggregates count.
        if (m_tx.outputs.empty())
            return fail(ParseError::BadOutputs, "x.out is empty");
        // Inputs only feed the fee. A message without inputs (never seen, but harmless) still counts as a
        // transaction and its outputs still rank; the fee is then unknown rather than a negative number.
        // Totals from the final values: with duplicate keys the last one wins, as in most JSON readers.
        bool allInputsValued = !m_tx.inputs.empty();
        for (const TxInput &in : m_tx.inputs) {
            allInputsValued = allInputsValued && in.value.has_value();
            if (in.value && !addTo(m_tx.totalIn, *in.value, "total input value"))
                return false;
        }
        for (const TxOutput &out : m_tx.outputs) {
            if (!addTo(m_tx.totalOut, out.value, "total output value"))
                return false;
        }
        if (allInputsValued && m_tx.totalIn >= m_tx.totalOut)
            m_tx.fee = m_tx.totalIn - m_tx.totalOut;
        return true;
    }

private:
    // Values: non-negative integers up to the supply cap. Totals are capped the same way (in addTo), which
    // also keeps every sum far from int64 overflow (each step adds at most kMaxSatoshis to at most that).
    bool readValue(od::value &v, std::int64_t &out, const char *where)
    {
        std::int64_t value = 0;
        if (const auto e = v.get_int64().get(value))
            return failJson(e, ParseError::BadValue, std::string(where) + " is not an integer");
        if (value < 0)
            return fail(ParseError::BadValue, std::string(where) + " is negative");
        if (value > kMaxSatoshis)
            return fail(ParseError::BadValue, std::string(where) + " exceeds 21e14 satoshis");
        out = value;
        return true;
    }

    bool addTo(std::int64_t &total, std::int64_t value, const char *what)
    {
        total += value;
        if (total > kMaxSatoshis)
            return fail(ParseError::BadValue, std::string(what) + " exceeds 21e14 satoshis");
        return true;
    }

    // addr: a string, null or absent. An empty string is treated as absent.
    bool readAddress(od::value &v, std::optional<std::string> &out, const char *where)
    {
        bool isNull = false;
        if (const auto e = v.is_null().get(isNull))
            return failJson(e, ParseError::BadAddress, where);
        out.reset();
        if (isNull)
            return true;
        std::string_view addr;
        if (const auto e = v.get_string().get(addr))
            return failJson(e, ParseError::BadAddress, std::string(where) + " is not a string");
        if (addr.size() > kMaxAddressLength)
            return fail(ParseError::BadAddress, std::string(where) + " is too long");
        if (!addr.empty())
            out.emplace(addr);
        return true;
    }

    bool readInputs(od::value &v)
    {
        return readItems(v, m_tx.inputs, kInputs, [this](TxInput &in, od::object &input) {
            const auto readField = [this, &in](std::string_view key, od::value &value) {
                if (key == "prev_out")
                    return readPrevOut(value, in);
                // script, sequence (exceeds int32), witness: not used.
                if (const auto e = skipWithinDepth(value, 5))
                    return failJson(e, ParseError::InvalidJson, "input");
                return true;
            };
            return readFields(input, ParseError::BadInputs, "input", "input key", readField);
        });
    }

    bool readPrevOut(od::value &v, TxInput &in)
    {
        bool isNull = false;
        if (const auto e = v.is_null().get(isNull))
            return failJson(e, ParseError::BadInputs, "prev_out");
        in = TxInput(); // a repeated prev_out key replaces the earlier one
        if (isNull)
            return true; // no previous output described: no address, no value, so no fee
        od::object prevOut;
        if (const auto e = v.get_object().get(prevOut))
            return failJson(e, ParseError::BadInputs, "prev_out is not an object");
        const auto readField = [this, &in](std::string_view key, od::value &value) {
            if (key == "addr")
                return readAddress(value, in.address, "inputs[].prev_out.addr");
            if (key == "value") {
                bool valueIsNull = false;
                if (const auto e = value.is_null().get(valueIsNull))
                    return failJson(e, ParseError::BadValue, "inputs[].prev_out.value");
                if (valueIsNull) {
                    in.value.reset();
                    return true;
                }
                std::int64_t amount = 0;
                if (!readValue(value, amount, "inputs[].prev_out.value"))
                    return false;
                in.value = amount;
                return true;
            }
            if (const auto e = skipWithinDepth(value, 6))
                return failJson(e, ParseError::InvalidJson, "prev_out");
            return true;
        };
        return readFields(prevOut, ParseError::BadInputs, "prev_out", "prev_out key", readField);
    }

    bool readOutputs(od::value &v)
    {
        return readItems(v, m_tx.outputs, kOutputs, [this](TxOutput &out, od::object &output) {
            bool haveValue = false;
            const auto readField = [this, &out, &haveValue](std::string_view key, od::value &value) {
                if (key == "addr")
                    return readAddress(value, out.address, "out[].addr");
                if (key == "value") {
                    haveValue = true;
                    return readValue(value, out.value, "out[].value");
                }
                if (const auto e = skipWithinDepth(value, 5))
                    return failJson(e, ParseError::InvalidJson, "output");
                return true;
            };
            if (!readFields(output, ParseError::BadOutputs, "output", "output key", readField))
                return false;
            if (!haveValue)
                return fail(ParseError::BadOutputs, "out[].value missing");
            return true;
        });
    }

    // How one of the arrays x.inputs and x.out is named in the errors.
    struct ArrayNames {
        ParseError error;
        const char *array;     // "x.inputs"
        const char *tooMany;   // "too many inputs"
        const char *notObject; // "an input is not an object"
    };
    static constexpr ArrayNames kInputs{ParseError::BadInputs, "x.inputs", "too many inputs",
                                        "an input is not an object"};
    static constexpr ArrayNames kOutputs{ParseError::BadOutputs, "x.out", "too many outputs",
                                         "an output is not an object"};

    // Reads an array of objects into `items` (cleared first, at most kMaxItems): readItem(item, object) fills
    // each new item from its object.
    template <typename Item, typename ReadItem>
    bool readItems(od::value &v, std::vector<Item> &items, const ArrayNames &names, ReadItem readItem)
    {
        od::array arr;
        if (const auto e = v.get_array().get(arr))
            return failJson(e, names.error, std::string(names.array) + " is not an array");
        items.clear();
        for (auto elementResult : arr) {
            od::value element;
            if (const auto e = elementResult.get(element))
                return failJson(e, names.error, names.array);
            if (items.size() >= TransactionParser::kMaxItems)
                return fail(ParseError::TooManyItems, names.tooMany);
            Item &item = items.emplace_back();
            od::object object;
            if (const auto e = element.get_object().get(object))
                return failJson(e, names.error, names.notObject);
            if (!readItem(item, object))
                return false;
        }
        return true;
    }

    Transaction &m_tx;
};

} // namespace

struct TransactionParser::Impl {
    od::parser parser{static_cast<std::size_t>(kMaxMessageBytes)};
    // The message is copied here so that simdjson may read SIMDJSON_PADDING bytes past its end.
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;

    std::string_view padded(QByteArrayView message)
    {
        const auto len = static_cast<std::size_t>(message.size());
        if (capacity < len + simdjson::SIMDJSON_PADDING) {
            capacity = std::max<std::size_t>(len + simdjson::SIMDJSON_PADDING, 64 * 1024);
            buffer = std::make_unique<char[]>(capacity);
        }
        if (len > 0)
            std::memcpy(buffer.get(), message.data(), len);
        std::memset(buffer.get() + len, 0, simdjson::SIMDJSON_PADDING);
        return {buffer.get(), len};
    }
};

TransactionParser::TransactionParser() : d(std::make_unique<Impl>())
{
    // Fail fast on hostile nesting: no real message is more than a few levels deep.
    // Preallocate for typical messages; iterate() grows the buffers for larger ones. Failure here only
    // means iterate() will try again (and report MEMALLOC as a rejection) later.
    if (d->parser.allocate(64 * 1024, kMaxDepth) != simdjson::SUCCESS)
        d->parser = od::parser(static_cast<std::size_t>(kMaxMessageBytes));
}

TransactionParser::~TransactionParser() = default;

ParseOutcome TransactionParser::parse(QByteArrayView message)
{
    return parse(message, QByteArray());
}

ParseOutcome TransactionParser::parse(QByteArrayView message, const QByteArray &raw)
{
    ParseOutcome outcome;
    auto reject = [&outcome](ParseError e, std::string detail) {
        outcome.kind = ParseOutcome::Kind::Rejected;
        outcome.error = e;
        outcome.detail = std::move(detail);
        outcome.tx = Transaction();
        return std::move(outcome);
    };

    if (message.size() > kMaxMessageBytes)
        return reject(ParseError::TooLarge, "message exceeds " + std::to_string(kMaxMessageBytes) + " bytes");
    // iterate() indexes the whole message first, and that pass rejects invalid UTF-8 too, so a valid message is
    // read once. Only a rejected one is checked again, to name the reason (binary garbage, for instance, fails
    // as unescaped characters before its UTF-8 is looked at).
    const std::string_view json = d->padded(message);
    od::document doc;
    if (const auto e = d->parser.iterate(json, d->capacity).get(doc)) {
        if (!simdjson::validate_utf8(message.data(), static_cast<std::size_t>(message.size())))
            return reject(ParseError::InvalidUtf8, "message is not valid UTF-8");
        return reject(ParseError::InvalidJson, simdjsonDetail(e, "document"));
    }

    od::json_type rootType;
    if (const auto e = doc.type().get(rootType))
        return reject(ParseError::InvalidJson, simdjsonDetail(e, "document"));
    if (rootType != od::json_type::object)
        return reject(ParseError::NotObject, "top level is not an object");
    od::object root;
    if (const auto e = doc.get_object().get(root))
        return reject(ParseError::InvalidJson, simdjsonDetail(e, "document"));

    TxReader reader(outcome.tx);
    bool haveOp = false;
    bool haveX = false;
    bool xBeforeOp = false;
    const auto readRootField = [&](std::string_view key, od::value &v) {
        if (key == "op" && !haveOp) {
            std::string_view op;
            if (const auto e = v.get_string().get(op)) {
                if (isSyntaxError(e))
                    return reader.fail(ParseError::InvalidJson, simdjsonDetail(e, "op"));
                return reader.fail(ParseError::MissingOp, "op is not a string");
            }
            outcome.op.assign(op);
            haveOp = true;
        } else if (key == "x" && !haveX) {
            haveX = true;
            if (!haveOp)
                xBeforeOp = true; // read it in a second pass once we know what it is
            else if (outcome.op == "utx")
                return reader.readX(v);
        } else if (const auto e = skipWithinDepth(v, 2)) {
            return reader.failJson(e, ParseError::InvalidJson, "document");
        }
        return true;
    };
    if (!reader.readFields(root, ParseError::InvalidJson, "document", "key", readRootField))
        return reject(reader.failure.error, std::move(reader.failure.detail));
    // The root object is closed; anything after it makes the message invalid JSON.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
        return reject(ParseError::InvalidJson, "trailing content after the top-level object");

    if (!haveOp)
        return reject(ParseError::MissingOp, "no op");
    if (outcome.op != "utx") {
        outcome.kind = ParseOutcome::Kind::Ignored;
        outcome.tx = Transaction();
        return outcome;
    }
    if (!haveX)
        return reject(ParseError::MissingX, "utx without x");

    if (xBeforeOp) {
        // Rare: "x" came before "op". Rewind and read x now that we know it is a transaction.
        // On-demand skipped x's value unread in the first pass, so only here may its malformed contents
        // surface, sometimes as a root object that ends before any "x" is found: that is invalid JSON,
        // never a transaction without one (found by fuzzing: {"":{\,"x":{"" ],"op":"utx",...}).
        doc.rewind();
        if (const auto e = doc.get_object().get(root))
            return reject(ParseError::InvalidJson, simdjsonDetail(e, "document"));
        bool readIt = false;
        const auto readFirstX = [&reader, &readIt](std::string_view key, od::value &v) {
            if (key != "x")
                return true;
            readIt = reader.readX(v);
            return false; // the first x only, as in the first pass
        };
        const bool walkedToEnd = reader.readFields(root, ParseError::InvalidJson, "document", "key", readFirstX);
        if (!readIt) {
            if (walkedToEnd)
                return reject(ParseError::InvalidJson, "document: x not found when read again after op");
            return reject(reader.failure.error, std::move(reader.failure.detail));
        }
    }

    outcome.kind = ParseOutcome::Kind::Transaction;
    outcome.tx.raw = raw.isNull() ? message.toByteArray() : raw;
    return outcome;
}

} // namespace txpulse
