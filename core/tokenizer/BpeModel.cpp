// BPE model: byte-level (GPT-2, Llama 3, Qwen2) and SentencePiece-style (byte fallback, fused
// unknowns). Merge ranks are looked up in a hash map keyed by the pair of ids; each word is
// merged with a priority queue over a linked list of symbols (O(n log n)), and results for
// short words are cached.
#include <algorithm>
#include <array>
#include <cstdio>
#include <mutex>
#include <optional>
#include <queue>
#include <shared_mutex>

#include "core/tokenizer/Model.h"
#include "core/tokenizer/Utf8.h"

namespace strata::tok {

namespace {

struct MergeInfo {
  std::int32_t rank;
  std::int32_t newId;
};

std::uint64_t pairKey(std::int32_t a, std::int32_t b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) |
         static_cast<std::uint32_t>(b);
}

struct PairHash {
  std::size_t operator()(std::uint64_t k) const noexcept {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<std::size_t>(k);
  }
};

struct Symbol {
  std::int32_t id;
  std::int32_t prev, next;
  std::uint32_t len;  ///< bytes of the piece; 0 once merged away
};

struct QueueItem {
  std::int32_t rank;
  std::int32_t pos;
  std::int32_t newId;
  bool operator<(const QueueItem& o) const {  // std::priority_queue pops the largest
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

struct CachedToken {
  std::int32_t id;
  std::uint32_t len;
};

class BpeModel final : public Model {
 public:
  BpeModel(const Json& j, const LoadContext& ctx);
  void tokenize(std::string_view piece, std::vector<PieceToken>& out) const override;
  std::string description() const override {
    return byteFallback_ ? "BPE (SentencePiece, byte fallback)" : "BPE";
  }

 private:
  void readMerges(const Json& merges, const LoadContext& ctx);
  std::optional<std::int32_t> find(std::string_view s) const {
    const auto it = vocab_.find(s);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
  }
  void mergeWord(std::string_view word, std::vector<CachedToken>& result) const;

  std::unordered_map<std::uint64_t, MergeInfo, PairHash> merges_;
  std::optional<std::int32_t> unk_;
  std::string prefix_, suffix_;
  bool fuseUnk_ = false, byteFallback_ = false, ignoreMerges_ = false;
  std::array<std::int32_t, 256> byteIds_{};  ///< "<0xNN>" ids, -1 when absent

  static constexpr std::size_t kCacheCapacity = 50'000;
  static constexpr std::size_t kMaxCachedWord = 256;
  mutable std::shared_mutex cacheMutex_;
  mutable std::unordered_map<std::string, std::vector<CachedToken>, StringHash, std::equal_to<>>
      cache_;
};

BpeModel::BpeModel(const Json& j, const LoadContext& ctx) {
  const char* where = "model";
  readVocab(ctx.member(j, "vocab", where), ctx, vocab_, idToToken_);
  prefix_ = ctx.get<std::string>(j, "continuing_subword_prefix", "", where);
  suffix_ = ctx.get<std::string>(j, "end_of_word_suffix", "", where);
  fuseUnk_ = ctx.get<bool>(j, "fuse_unk", false, where);
  byteFallback_ = ctx.get<bool>(j, "byte_fallback", false, where);
  ignoreMerges_ = ctx.get<bool>(j, "ignore_merges", false, where);
  const std::string unk = ctx.get<std::string>(j, "unk_token", "", where);
  if (!unk.empty()) {
    unk_ = find(unk);
    if (!unk_)
      ctx.fail("tokenizer.bad_unk", "model.unk_token \"" + unk + "\" is not in the vocabulary");
  }
  for (std::size_t b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned>(b));
    byteIds_[b] = find(name).value_or(-1);
  }
  readMerges(ctx.member(j, "merges", where), ctx);
}

void BpeModel::readMerges(const Json& merges, const LoadContext& ctx) {
  if (!merges.is_array()) ctx.fail("tokenizer.bad_field", "model.merges must be a list");
  merges_.reserve(merges.size());
  std::int32_t rank = 0;
  for (const Json& m : merges) {
    std::string a, b;
    if (m.is_string()) {  // "a b"
      const auto& s = m.get_ref<const std::string&>();
      const auto space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        ctx.fail("tokenizer.bad_merge", "merge " + std::to_string(rank) + " \"" + s +
                                            "\" is not two tokens separated by one space");
      a = s.substr(0, space);
      b = s.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();  // ["a", "b"]
      b = m[1].get<std::string>();
    } else {
      ctx.fail("tokenizer.bad_merge",
               "merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
    const auto ia = find(a);
    const auto ib = find(b);
    std::string merged = a;
    merged += !prefix_.empty() && b.starts_with(prefix_) ? b.substr(prefix_.size()) : b;
    const auto im = find(merged);
    if (!ia || !ib || !im)
      ctx.fail("tokenizer.bad_merge", "merge " + std::to_string(rank) + " (\"" + a + "\", \"" + b +
                                          "\") names \"" +
                                          (!ia   ? a
                                           : !ib ? b
                                                 : merged) +
                                          "\", which is not in the vocabulary");
    // A repeated pair takes its later rank, as HF's map collection does.
    merges_.insert_or_assign(pairKey(*ia, *ib), MergeInfo{rank, *im});
    ++rank;
  }
}

void BpeModel::mergeWord(std::string_view word, std::vector<CachedToken>& result) const {
  std::vector<Symbol> syms;
  syms.reserve(word.size());
  auto add = [&](std::int32_t id, std::uint32_t len) {
    const auto n = static_cast<std::int32_t>(syms.size());
    syms.push_back({id, n - 1, n + 1, len});
  };
  // An unknown character waiting to be emitted (fuse_unk grows it); id < 0 when none.
  CachedToken pendingUnk{-1, 0};
  std::string withAffix;
  for (std::size_t i = 0; i < word.size();) {
    const std::size_t len = std::min(utf8Len(static_cast<unsigned char>(word[i])), word.size() - i);
    std::string_view s = word.substr(i, len);
    const bool first = i == 0;
    const bool last = i + len == word.size();
    if ((!first && !prefix_.empty()) || (last && !suffix_.empty())) {
      withAffix.assign(first ? "" : prefix_);
      withAffix.append(s);
      if (last) withAffix.append(suffix_);
      s = withAffix;
    }
    i += len;
    if (const auto id = find(s)) {
      if (pendingUnk.id >= 0) {
        add(pendingUnk.id, pendingUnk.len);
        pendingUnk.id = -1;
      }
      add(*id, static_cast<std::uint32_t>(len));
      continue;
    }
    if (byteFallback_) {
      bool all = true;
      for (const char ch : s)
        all = all && byteIds_[static_cast<unsigned char>(ch)] >= 0;
      if (all) {
        if (pendingUnk.id >= 0) {
          add(pendingUnk.id, pendingUnk.len);
          pendingUnk.id = -1;
        }
        for (const char ch : s)
          add(byteIds_[static_cast<unsigned char>(ch)], 1);
        continue;
      }
    }
    if (unk_) {
      if (pendingUnk.id >= 0 && fuseUnk_) {
        pendingUnk.len += static_cast<std::uint32_t>(len);
      } else {
        if (pendingUnk.id >= 0) add(pendingUnk.id, pendingUnk.len);
        pendingUnk = CachedToken{*unk_, static_cast<std::uint32_t>(len)};
      }
    }
  }
  if (pendingUnk.id >= 0) add(pendingUnk.id, pendingUnk.len);
  if (!syms.empty()) syms.back().next = -1;

  std::vector<QueueItem> heap;
  heap.reserve(syms.size());
  for (std::size_t k = 0; k + 1 < syms.size(); ++k) {
    const auto it = merges_.find(pairKey(syms[k].id, syms[k + 1].id));
    if (it != merges_.end())
      heap.push_back({it->second.rank, static_cast<std::int32_t>(k), it->second.newId});
  }
  std::priority_queue<QueueItem> queue(std::less<QueueItem>(), std::move(heap));
  while (!queue.empty()) {
    const QueueItem top = queue.top();
    queue.pop();
    Symbol& cur = syms[static_cast<std::size_t>(top.pos)];
    if (cur.len == 0 || cur.next < 0) continue;
    const auto nextPos = static_cast<std::size_t>(cur.next);
    const Symbol right = syms[nextPos];
    // Skip stale entries: the pair at this position changed since it was queued.
    const auto it = merges_.find(pairKey(cur.id, right.id));
    if (it == merges_.end() || it->second.newId != top.newId) continue;
    cur.id = top.newId;
    cur.len += right.len;
    cur.next = right.next;
    syms[nextPos].len = 0;
    if (right.next >= 0) syms[static_cast<std::size_t>(right.next)].prev = top.pos;
    if (cur.prev >= 0) {
      const auto p = merges_.find(pairKey(syms[static_cast<std::size_t>(cur.prev)].id, cur.id));
      if (p != merges_.end()) queue.push({p->second.rank, cur.prev, p->second.newId});
    }
    if (cur.next >= 0) {
      const auto n = merges_.find(pairKey(cur.id, syms[static_cast<std::size_t>(cur.next)].id));
      if (n != merges_.end()) queue.push({n->second.rank, top.pos, n->second.newId});
    }
  }
  result.clear();
  for (const Symbol& s : syms)
    if (s.len != 0) result.push_back({s.id, s.len});
}

void BpeModel::tokenize(std::string_view piece, std::vector<PieceToken>& out) const {
  if (piece.empty()) return;
  if (ignoreMerges_) {
    if (const auto id = find(piece)) {
      out.push_back({*id, 0, static_cast<std::uint32_t>(piece.size())});
      return;
    }
  }
  auto emit = [&](const std::vector<CachedToken>& toks) {
    std::uint32_t pos = 0;
    for (const auto& t : toks) {
      out.push_back({t.id, pos, pos + t.len});
      pos += t.len;
    }
  };
  const bool cacheable = piece.size() < kMaxCachedWord;
  if (cacheable) {
    std::shared_lock lock(cacheMutex_);
    const auto it = cache_.find(piece);
    if (it != cache_.end()) {
      emit(it->second);
      return;
    }
  }
  std::vector<CachedToken> toks;
  mergeWord(piece, toks);
  emit(toks);
  if (cacheable) {
    std::unique_lock lock(cacheMutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(piece), std::move(toks));
  }
}

}  // namespace

std::unique_ptr<Model> makeBpeModel(const Json& j, const LoadContext& ctx) {
  return std::make_unique<BpeModel>(j, ctx);
}

}  // namespace strata::tok
