// ants.MllmClient (the HTTP client of `ants detect --mllm-url`) and Python objects as the
// detector's MLLM: the GIL is taken only around their describe/similar calls, and an exception or
// None from them is "no answer" (counted by the detector, never fatal).
#include <ants/mllm-client.h>
#include <pybind11/stl.h>

#include <optional>

#include "bindings.h"
#include "convert.h"
#include "options.h"

namespace ants::python {

namespace {

// "No answer", unless the call was interrupted (Ctrl-C while the MLLM ran on the main thread):
// then the interrupt is raised again, for the scoring call's cancel hook.
std::nullopt_t no_answer(const py::error_already_set& e) {
  if (e.matches(PyExc_KeyboardInterrupt)) PyErr_SetInterrupt();
  return std::nullopt;
}

// A list of names becomes the numbered list a server would send, so it is parsed the same way.
std::optional<std::string> similar_text(const py::object& answer) {
  if (answer.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(answer)) return answer.cast<std::string>();
  std::string text;
  int n = 0;
  for (const py::handle item : answer) text += std::to_string(++n) + ". " + py::str(item).cast<std::string>() + "\n";
  return text;
}

// `object` stays alive as long as the MllmBinding that holds it (and the functions made here).
MllmCallbacks python_callbacks(PyObject* object) {
  MllmCallbacks fns;
  fns.describe = [object](const ImageRef& image, const std::string& cls) -> std::optional<std::string> {
    const std::string bytes = image.read();  // the original file's bytes, or PNG for pixels
    py::gil_scoped_acquire gil;
    try {
      const py::object answer = py::handle(object).attr("describe")(py::bytes(bytes), cls.empty() ? py::object(py::none()) : py::object(py::str(cls)));
      if (answer.is_none()) return std::nullopt;
      return answer.cast<std::string>();
    } catch (py::error_already_set& e) {
      return no_answer(e);
    } catch (const py::cast_error&) {
      return std::nullopt;
    }
  };
  const bool has_similar = py::hasattr(py::handle(object), "similar");  // the caller holds the GIL
  if (!has_similar) return fns;
  fns.similar = [object](const std::string& cls) -> std::optional<std::string> {
    py::gil_scoped_acquire gil;
    try {
      return similar_text(py::handle(object).attr("similar")(cls));
    } catch (py::error_already_set& e) {
      return no_answer(e);
    } catch (const py::cast_error&) {
      return std::nullopt;
    }
  };
  return fns;
}

std::optional<std::string> opt_path(const py::object& v) {
  if (v.is_none()) return std::nullopt;
  return path_of(v);
}

std::unique_ptr<MllmClient> make_client(const py::object& url, const py::object& model, double timeout, int retries,
                                        int parallel, int image_size, const std::string& parse, const py::object& cache,
                                        const py::object& record, const py::object& replay, const py::object& prompt_ens,
                                        const py::object& prompt_vsnl, const py::object& max_tokens,
                                        const py::object& header, const py::object& seed, bool sync) {
  MllmOptions o;
  if (!url.is_none()) o.url = url.cast<std::string>();
  if (!model.is_none()) o.model = model.cast<std::string>();
  o.timeout_s = timeout;
  o.retries = retries;
  o.parallel = parallel;
  o.image_size = image_size;
  o.parse = parse_mode(parse);
  if (py::isinstance<py::bool_>(cache)) o.cache = cache.cast<bool>();
  else if (!cache.is_none()) o.cache_path = *opt_path(cache);
  o.record_path = opt_path(record).value_or("");
  o.replay_path = opt_path(replay).value_or("");
  o.prompt_ens = opt_path(prompt_ens).value_or("");
  o.prompt_vsnl = opt_path(prompt_vsnl).value_or("");
  if (!max_tokens.is_none()) o.max_tokens_ens = o.max_tokens_vsnl = max_tokens.cast<int>();
  if (!header.is_none())
    for (const auto& [k, v] : header.cast<py::dict>()) o.headers.emplace_back(py::str(k), py::str(v));
  if (!seed.is_none()) o.seed = seed.cast<int64_t>();
  o.sync = sync;
  return make_mllm_client(o);
}

py::object optional_or_none(const std::optional<std::string>& s) { return s ? py::object(py::str(*s)) : py::none(); }

py::dict stats(const MllmClient& c) {
  const MllmStats s = c.stats();
  py::dict d;
  d["calls"] = s.calls;
  d["requests"] = s.requests;
  d["retries"] = s.retries;
  d["failures"] = s.failures;
  d["cache_hits"] = s.cache_hits;
  d["replay_hits"] = s.replay_hits;
  d["late_answers"] = s.late_answers;
  d["breaker_trips"] = s.breaker_trips;
  d["degraded"] = s.degraded;
  d["last_error"] = s.last_error;
  return d;
}

}  // namespace

MllmParse parse_mode(const std::string& name) {
  if (name == "lenient") return MllmParse::lenient;
  if (name == "reference") return MllmParse::reference;
  throw Error(ErrorCode::invalid_argument, "parse: '" + name + "' is not lenient or reference");
}

MllmBinding::MllmBinding(py::object mllm, bool sync, MllmParse parse) : object_(std::move(mllm)) {
  if (object_.is_none()) return;
  if (py::isinstance<MllmClient>(object_)) {
    auto* client = object_.cast<MllmClient*>();
    mllm_ = client;
    sync_ = client->sync();
    return;
  }
  if (!py::hasattr(object_, "describe"))
    throw py::type_error("mllm: expected an ants.MllmClient or an object with describe(image, exclude_class)");
  own_ = make_callback_mllm(python_callbacks(object_.ptr()), parse, sync);
  mllm_ = own_.get();
  sync_ = sync;
}

MllmBinding::~MllmBinding() { close(); }

void MllmBinding::close() {
  py::gil_scoped_release release;  // its thread may be waiting for the GIL inside describe()
  own_.reset();
  mllm_ = nullptr;
}

void bind_mllm(py::module_& m) {
  py::class_<MllmClient>(m, "MllmClient",
                         "An OpenAI-compatible chat-completions server as the detector's MLLM (llama-server,\n"
                         "vLLM, SGLang, Ollama, ...), with the answer cache, record/replay, retries, timeouts and\n"
                         "circuit breaker of `ants detect --mllm-*` (keywords: those options without 'mllm-').")
      .def(py::init(&make_client), py::kw_only(), py::arg("url") = py::none(), py::arg("model") = py::none(),
           py::arg("timeout") = 60.0, py::arg("retries") = 3, py::arg("parallel") = 4, py::arg("image_size") = 448,
           py::arg("parse") = "lenient", py::arg("cache") = py::none(), py::arg("record") = py::none(),
           py::arg("replay") = py::none(), py::arg("prompt_ens") = py::none(), py::arg("prompt_vsnl") = py::none(),
           py::arg("max_tokens") = py::none(), py::arg("header") = py::none(), py::arg("seed") = py::none(),
           py::arg("sync") = true,
           "url: base URL (or replay= a recorded JSONL file); cache: None (default file), False (off) or a path;\n"
           "header: dict of extra HTTP headers; sync=False: batches do not wait for answers. Contacts no server.")
      .def(
          "describe",
          [](MllmClient& c, const py::object& image, const py::object& exclude_class) {
            const std::vector<ImageRef> refs = image_refs(py::make_tuple(image));
            const std::vector<std::string> cls{exclude_class.is_none() ? "" : exclude_class.cast<std::string>()};
            std::vector<MllmReply> r;
            {
              py::gil_scoped_release release;
              r = c.describe_detailed(refs, cls);
            }
            return optional_or_none(r.at(0).text);
          },
          py::arg("image"), py::arg("exclude_class") = py::none(),
          "A short description of one image (path, bytes or uint8 array), or None when there is no answer.")
      .def(
          "similar",
          [](MllmClient& c, const std::string& cls) -> py::object {
            std::vector<MllmReply> r;
            {
              py::gil_scoped_release release;
              r = c.similar_detailed({cls});
            }
            return r.at(0).labels ? py::cast(*r.at(0).labels) : py::none();
          },
          py::arg("class_name"), "Names of classes that look like class_name (list of str), or None.")
      .def("models", &MllmClient::models, py::call_guard<py::gil_scoped_release>(), "The model ids the server offers.")
      .def_property_readonly("stats", &stats, "Counters since the client was made (dict).");
}

}  // namespace ants::python
