// Tests for the built-in rule files in config/builtin/: every rule loads and
// carries its metadata, and reports its true positives but not its false
// positives on realistic lines (Python, JS, .env, YAML, JSON, notebook
// source). Credentials are generated at run time from a seeded PRNG in each
// provider's real format: a case line holds "@{kind:N}" where a key goes, so
// this file contains no key that a scanner (ours included) would report.
#include <catch2/catch.hpp>
#include <re2/re2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"
#include "detect/params.h"
#include "detect/regex_detector.h"
#include "detect/registry.h"
#include "engine/prefilter.h"

namespace {

namespace fs = std::filesystem;
using refguard::detect::AddedLine;
using refguard::detect::Detector;
using refguard::detect::DetectorParams;
using refguard::detect::FileView;
using refguard::detect::Hit;

constexpr bool kHit = true;    // the rule must report the line
constexpr bool kMiss = false;  // the rule must stay silent

struct Case {
  std::string_view rule;
  bool reported;
  std::string_view line;  // "@{kind:N}" is replaced by N generated characters
};

// clang-format off
constexpr Case kCases[] = {
    // ---------------------------------------------------------------- openai-api-key
    {"openai-api-key", kHit, R"~(client = OpenAI(api_key="sk-proj-@{u:74}T3BlbkFJ@{u:74}"))~"},
    {"openai-api-key", kHit, R"~(OPENAI_API_KEY=sk-svcacct-@{u:74}T3BlbkFJ@{u:74})~"},
    {"openai-api-key", kHit, R"~(openai.api_key = 'sk-@{a:20}T3BlbkFJ@{a:20}')~"},
    {"openai-api-key", kHit, R"~(  "apiKey": "sk-admin-@{u:74}T3BlbkFJ@{u:74}",)~"},
    {"openai-api-key", kHit, R"~(    "os.environ[\"OPENAI_API_KEY\"] = \"sk-proj-@{a:20}T3BlbkFJ@{a:20}\"\n",)~"},
    {"openai-api-key", kMiss, R"~(client = OpenAI(api_key=os.environ["OPENAI_API_KEY"]))~"},
    {"openai-api-key", kMiss, R"~(# Put OPENAI_API_KEY=sk-... in your .env file)~"},
    {"openai-api-key", kMiss, R"~(OPENAI_API_KEY=sk-proj-@{x:52})~"},
    {"openai-api-key", kMiss, R"~(openai_key = "sk-proj-YOUR_API_KEY_HERE_REPLACE_WITH_YOUR_OWN_PROJECT_KEY")~"},
    {"openai-api-key", kMiss, R"~(OPENAI_API_KEY="sk-proj-replace-me-with-your-own-openai-project-key-0000")~"},
    {"openai-api-key", kMiss, R"~(OPENAI_API_KEY=sk-proj-@{u:30})~"},
    // ---------------------------------------------------------------- anthropic-api-key
    {"anthropic-api-key", kHit, R"~(ANTHROPIC_API_KEY=sk-ant-api03-@{u:93}AA)~"},
    {"anthropic-api-key", kHit, R"~(client = anthropic.Anthropic(api_key="sk-ant-api03-@{u:93}AA"))~"},
    {"anthropic-api-key", kHit, R"~(admin_key: "sk-ant-admin01-@{u:93}AA")~"},
    {"anthropic-api-key", kHit, R"~(export CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-@{u:93}AA)~"},
    {"anthropic-api-key", kMiss, R"~(ANTHROPIC_API_KEY=sk-ant-api03-...)~"},
    {"anthropic-api-key", kMiss, R"~(ANTHROPIC_API_KEY=sk-ant-api03-@{0:93}AA)~"},
    {"anthropic-api-key", kMiss, R"~(ANTHROPIC_API_KEY=sk-ant-api03-@{x:93}AA)~"},
    {"anthropic-api-key", kMiss, R"~(api_key = "sk-ant-api03-" + "x" * 93 + "AA")~"},
    {"anthropic-api-key", kMiss, R"~(const key = "sk-ant-api03-@{u:40}";)~"},
    {"anthropic-api-key", kMiss, R"~(client = Anthropic(api_key=os.environ.get("ANTHROPIC_API_KEY")))~"},
    // ---------------------------------------------------------------- huggingface-access-token
    {"huggingface-access-token", kHit, R"~(HF_TOKEN=hf_@{l:34})~"},
    {"huggingface-access-token", kHit, R"~(login(token="hf_@{l:34}"))~"},
    {"huggingface-access-token", kHit, R"~(model = AutoModel.from_pretrained("meta-llama/Llama-3.1-8B", token='hf_@{l:34}'))~"},
    {"huggingface-access-token", kHit, R"~(    "!huggingface-cli login --token hf_@{l:34}\n",)~"},
    {"huggingface-access-token", kMiss, R"~(HF_TOKEN=hf_@{x:34})~"},
    {"huggingface-access-token", kMiss, R"~(token = os.environ["HF_TOKEN"])~"},
    {"huggingface-access-token", kMiss, R"~(HUGGING_FACE_HUB_TOKEN=hf_...)~"},
    {"huggingface-access-token", kMiss, R"~(path = hf_hub_download(repo_id="gpt2", filename="config.json"))~"},
    {"huggingface-access-token", kMiss, R"~(login(token="hf_@{l:20}"))~"},
    // ---------------------------------------------------------------- huggingface-organization-token
    {"huggingface-organization-token", kHit, R"~(HF_ORG_TOKEN=api_org_@{l:34})~"},
    {"huggingface-organization-token", kHit, R"~(headers = {"Authorization": "Bearer api_org_@{l:34}"})~"},
    {"huggingface-organization-token", kHit, R"~(org_token: api_org_@{l:34})~"},
    {"huggingface-organization-token", kMiss, R"~(HF_ORG_TOKEN=api_org_@{x:34})~"},
    {"huggingface-organization-token", kMiss, R"~(api_org_token = os.getenv("HF_ORG_TOKEN"))~"},
    {"huggingface-organization-token", kMiss, R"~(HF_ORG_TOKEN=api_org_@{l:36})~"},
    // ---------------------------------------------------------------- google-api-key
    {"google-api-key", kHit, R"~(GOOGLE_API_KEY=AIza@{u:35})~"},
    {"google-api-key", kHit, R"~(genai.configure(api_key="AIza@{u:35}"))~"},
    {"google-api-key", kHit, R"~(const firebaseConfig = { apiKey: "AIza@{u:35}", authDomain: "demo.firebaseapp.com" };)~"},
    {"google-api-key", kHit, R"~(GEMINI_API_KEY: AIza@{u:35})~"},
    {"google-api-key", kMiss, R"~(GOOGLE_API_KEY=AIzaSy@{x:33})~"},
    {"google-api-key", kMiss, R"~(genai.configure(api_key=os.environ["GEMINI_API_KEY"]))~"},
    {"google-api-key", kMiss, R"~(# Keys look like AIza... (39 characters))~"},
    {"google-api-key", kMiss, R"~(GOOGLE_API_KEY=AIza@{u:20})~"},
    {"google-api-key", kMiss, R"~(GOOGLE_API_KEY=AIzaSyD-this-is-not-a-real-google-api-k)~"},
    {"google-api-key", kMiss, R"~(  apiKey: "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",)~"},
    {"google-api-key", kMiss, R"~(<script src="https://maps.googleapis.com/maps/api/js?key=AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg&callback=initMap">)~"},
    {"google-api-key", kMiss, R"~(GOOGLE_API_KEY=AIza@{u:35}***)~"},
    // ---------------------------------------------------------------- aws-bedrock-api-key
    {"aws-bedrock-api-key", kHit, R"~(AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS1@{b:116})~"},
    {"aws-bedrock-api-key", kHit, R"~(export AWS_BEARER_TOKEN_BEDROCK="ABSKQmVkcm9ja0FQSUtleS0@{b:130}==")~"},
    {"aws-bedrock-api-key", kHit, R"~(headers = {"Authorization": "Bearer bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t@{b:900}"})~"},
    {"aws-bedrock-api-key", kHit, R"~(  "bedrockKey": "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t@{b:400}&Version=1",)~"},
    {"aws-bedrock-api-key", kMiss, R"~(AWS_BEARER_TOKEN_BEDROCK=ABSK...)~"},
    {"aws-bedrock-api-key", kMiss, R"~(AWS_BEARER_TOKEN_BEDROCK=ABSK@{b:120})~"},
    {"aws-bedrock-api-key", kMiss, R"~(token = "bedrock-api-key-@{b:300}")~"},
    {"aws-bedrock-api-key", kMiss, R"~(token = os.environ["AWS_BEARER_TOKEN_BEDROCK"]  # starts with ABSK or bedrock-api-key-)~"},
    {"aws-bedrock-api-key", kMiss, R"~(AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS1@{x:116})~"},
    // ---------------------------------------------------------------- groq-api-key
    {"groq-api-key", kHit, R"~(GROQ_API_KEY=gsk_@{a:52})~"},
    {"groq-api-key", kHit, R"~(client = Groq(api_key="gsk_@{a:52}"))~"},
    {"groq-api-key", kHit, R"~(  "groq_api_key": "gsk_@{a:52}",)~"},
    {"groq-api-key", kMiss, R"~(GROQ_API_KEY=gsk_@{x:52})~"},
    {"groq-api-key", kMiss, R"~(client = Groq(api_key=os.environ.get("GROQ_API_KEY")))~"},
    {"groq-api-key", kMiss, R"~(GROQ_API_KEY=gsk_...)~"},
    {"groq-api-key", kMiss, R"~(GROQ_API_KEY=gsk_@{0:52})~"},
    {"groq-api-key", kMiss, R"~(GROQ_API_KEY=gsk_@{a:40})~"},
    // ---------------------------------------------------------------- replicate-api-token
    {"replicate-api-token", kHit, R"~(REPLICATE_API_TOKEN=r8_@{a:37})~"},
    {"replicate-api-token", kHit, R"~(client = replicate.Client(api_token="r8_@{a:37}"))~"},
    {"replicate-api-token", kHit, R"~(export REPLICATE_API_TOKEN="r8_@{a:37}")~"},
    {"replicate-api-token", kMiss, R"~(REPLICATE_API_TOKEN=r8_@{x:37})~"},
    {"replicate-api-token", kMiss, R"~(REPLICATE_API_TOKEN=r8_...)~"},
    {"replicate-api-token", kMiss, R"~(client = replicate.Client(api_token=os.environ["REPLICATE_API_TOKEN"]))~"},
    {"replicate-api-token", kMiss, R"~(REPLICATE_API_TOKEN=r8_@{a:45})~"},
    // ---------------------------------------------------------------- perplexity-api-key
    {"perplexity-api-key", kHit, R"~(PERPLEXITY_API_KEY=pplx-@{a:48})~"},
    {"perplexity-api-key", kHit, R"~(client = OpenAI(api_key="pplx-@{a:48}", base_url="https://api.perplexity.ai"))~"},
    {"perplexity-api-key", kHit, R"~(headers: { "Authorization": "Bearer pplx-@{a:48}" },)~"},
    {"perplexity-api-key", kMiss, R"~(PERPLEXITY_API_KEY=pplx-@{x:48})~"},
    {"perplexity-api-key", kMiss, R"~(PERPLEXITY_API_KEY=pplx-...)~"},
    {"perplexity-api-key", kMiss, R"~(resp = client.chat.completions.create(model="pplx-70b-online", messages=msgs))~"},
    // ---------------------------------------------------------------- xai-api-key
    {"xai-api-key", kHit, R"~(XAI_API_KEY=xai-@{a:80})~"},
    {"xai-api-key", kHit, R"~(client = Client(api_key="xai-@{a:80}"))~"},
    {"xai-api-key", kHit, R"~(  "xai_api_key": "xai-@{a:80}",)~"},
    {"xai-api-key", kMiss, R"~(XAI_API_KEY=xai-@{x:80})~"},
    {"xai-api-key", kMiss, R"~(XAI_API_KEY=xai-...)~"},
    {"xai-api-key", kMiss, R"~(XAI_API_KEY=xai-@{0:80})~"},
    {"xai-api-key", kMiss, R"~(model = "xai-grok-beta")~"},
    {"xai-api-key", kMiss, R"~(XAI_API_KEY=xai-@{a:60})~"},
    // ---------------------------------------------------------------- openrouter-api-key
    {"openrouter-api-key", kHit, R"~(OPENROUTER_API_KEY=sk-or-v1-@{h:64})~"},
    {"openrouter-api-key", kHit, R"~(client = OpenAI(base_url="https://openrouter.ai/api/v1", api_key="sk-or-v1-@{h:64}"))~"},
    {"openrouter-api-key", kHit, R"~(headers: { Authorization: `Bearer sk-or-v1-@{h:64}` },)~"},
    {"openrouter-api-key", kMiss, R"~(OPENROUTER_API_KEY=sk-or-v1-@{0:64})~"},
    {"openrouter-api-key", kMiss, R"~(OPENROUTER_API_KEY=sk-or-v1-...)~"},
    {"openrouter-api-key", kMiss, R"~(OPENROUTER_API_KEY=sk-or-v1-@{h:32})~"},
    {"openrouter-api-key", kMiss, R"~(api_key: ${OPENROUTER_API_KEY}  # sk-or-v1-<64 hex>)~"},
    // ---------------------------------------------------------------- langsmith-api-key
    {"langsmith-api-key", kHit, R"~(LANGSMITH_API_KEY=lsv2_pt_@{h:32}_@{h:10})~"},
    {"langsmith-api-key", kHit, R"~(os.environ["LANGCHAIN_API_KEY"] = "lsv2_sk_@{h:32}_@{h:10}")~"},
    {"langsmith-api-key", kHit, R"~(client = Client(api_key="lsv2_pt_@{h:32}_@{h:10}"))~"},
    {"langsmith-api-key", kMiss, R"~(LANGSMITH_API_KEY=lsv2_pt_@{0:32}_@{0:10})~"},
    {"langsmith-api-key", kMiss, R"~(LANGSMITH_API_KEY=lsv2_pt_...)~"},
    {"langsmith-api-key", kMiss, R"~(LANGSMITH_API_KEY=lsv2_pt_@{h:32})~"},
    // ---------------------------------------------------------------- pinecone-api-key
    {"pinecone-api-key", kHit, R"~(PINECONE_API_KEY=pcsk_@{a:6}_@{a:63})~"},
    {"pinecone-api-key", kHit, R"~(pc = Pinecone(api_key="pcsk_@{a:5}_@{a:63}"))~"},
    {"pinecone-api-key", kHit, R"~(pinecone_api_key: pcsk_@{a:6}_@{a:63})~"},
    {"pinecone-api-key", kMiss, R"~(PINECONE_API_KEY=pcsk_@{x:6}_@{x:63})~"},
    {"pinecone-api-key", kMiss, R"~(PINECONE_API_KEY=pcsk_...)~"},
    {"pinecone-api-key", kMiss, R"~(PINECONE_API_KEY=pcsk_@{0:6}_@{0:63})~"},
    {"pinecone-api-key", kMiss, R"~(pc = Pinecone(api_key=os.environ["PINECONE_API_KEY"]))~"},
    {"pinecone-api-key", kMiss, R"~(PINECONE_API_KEY=pcsk_@{a:6}_@{a:20})~"},
    // ---------------------------------------------------------------- wandb-api-key
    {"wandb-api-key", kHit, R"~(export WANDB_API_KEY=wandb_v1_@{a:27}_@{a:49})~"},
    {"wandb-api-key", kHit, R"~(wandb.login(key="wandb_v1_@{a:27}_@{a:49}"))~"},
    {"wandb-api-key", kHit, R"~(WANDB_API_KEY: "wandb_v1_@{a:27}_@{a:49}")~"},
    {"wandb-api-key", kMiss, R"~(WANDB_API_KEY=wandb_v1_@{x:27}_@{x:49})~"},
    {"wandb-api-key", kMiss, R"~(WANDB_API_KEY=wandb_v1_xxxxx)~"},
    {"wandb-api-key", kMiss, R"~(wandb.login(key=os.environ["WANDB_API_KEY"]))~"},
    // ---------------------------------------------------------------- wandb-api-key-legacy
    {"wandb-api-key-legacy", kHit, R"~(WANDB_API_KEY=@{h:40})~"},
    {"wandb-api-key-legacy", kHit, R"~(wandb.login(key="@{h:40}"))~"},
    {"wandb-api-key-legacy", kHit, R"~(wandb.login("@{h:40}"))~"},
    {"wandb-api-key-legacy", kHit, R"~(    "!wandb login @{h:40}\n",)~"},
    {"wandb-api-key-legacy", kHit, R"~(os.environ["WANDB_API_KEY"] = "@{h:40}")~"},
    {"wandb-api-key-legacy", kMiss, R"~(run = wandb.init(project="rlhf", config={"git_commit": "@{h:40}"}))~"},
    {"wandb-api-key-legacy", kMiss, R"~(pip install git+https://github.com/wandb/wandb.git@@{h:40})~"},
    {"wandb-api-key-legacy", kMiss, R"~(WANDB_API_KEY=@{0:40})~"},
    {"wandb-api-key-legacy", kMiss, R"~(WANDB_RUN_ID=@{h:40})~"},
    {"wandb-api-key-legacy", kMiss, R"~(wandb.log({"checkpoint_sha": "@{h:40}"}))~"},
    // ---------------------------------------------------------------- cohere-api-key
    {"cohere-api-key", kHit, R"~(co = cohere.Client("@{a:40}"))~"},
    {"cohere-api-key", kHit, R"~(COHERE_API_KEY=@{a:40})~"},
    {"cohere-api-key", kHit, R"~(CO_API_KEY="@{a:40}")~"},
    {"cohere-api-key", kHit, R"~(embeddings = CohereEmbeddings(cohere_api_key="@{a:40}", model="embed-english-v3.0"))~"},
    {"cohere-api-key", kMiss, R"~(co = cohere.Client(os.environ["CO_API_KEY"]))~"},
    {"cohere-api-key", kMiss, R"~(COHERE_API_KEY=<your-cohere-key>)~"},
    {"cohere-api-key", kMiss, R"~(COHERE_API_KEY=@{h:40})~"},
    {"cohere-api-key", kMiss, R"~(resp = co.chat(model="command-r-plus", message=user_message))~"},
    // ---------------------------------------------------------------- deepseek-api-key
    {"deepseek-api-key", kHit, R"~(DEEPSEEK_API_KEY=sk-@{h:32})~"},
    {"deepseek-api-key", kHit, R"~(client = OpenAI(api_key="sk-@{h:32}", base_url="https://api.deepseek.com"))~"},
    {"deepseek-api-key", kHit, R"~(deepseek_key: "sk-@{h:32}")~"},
    {"deepseek-api-key", kMiss, R"~(DEEPSEEK_API_KEY=sk-...)~"},
    {"deepseek-api-key", kMiss, R"~(DEEPSEEK_API_KEY=sk-@{0:32})~"},
    {"deepseek-api-key", kMiss, R"~(client = OpenAI(api_key=os.environ["DEEPSEEK_API_KEY"], base_url="https://api.deepseek.com"))~"},
    {"deepseek-api-key", kMiss, R"~(OPENAI_API_KEY=sk-@{h:32})~"},
    // ---------------------------------------------------------------- mistral-api-key
    {"mistral-api-key", kHit, R"~(MISTRAL_API_KEY=@{a:32})~"},
    {"mistral-api-key", kHit, R"~(client = Mistral(api_key="@{a:32}"))~"},
    {"mistral-api-key", kHit, R"~(llm = ChatMistralAI(model="mistral-large-latest", mistral_api_key="@{a:32}"))~"},
    {"mistral-api-key", kHit, R"~("mistral": {"api_key": "@{a:32}"},)~"},
    {"mistral-api-key", kMiss, R"~(client = Mistral(api_key=os.environ["MISTRAL_API_KEY"]))~"},
    {"mistral-api-key", kMiss, R"~(model_id = "mistralai/Mistral-7B-Instruct-v0.2")~"},
    {"mistral-api-key", kMiss, R"~("mistral-7b-instruct.Q4_K_M.gguf": {"md5": "@{h:32}"},)~"},
    {"mistral-api-key", kMiss, R"~(MISTRAL_API_KEY=your_mistral_api_key_here)~"},
    {"mistral-api-key", kMiss, R"~(MISTRAL_API_KEY=@{h:32})~"},
    // ---------------------------------------------------------------- azure-openai-api-key
    {"azure-openai-api-key", kHit, R"~(AZURE_OPENAI_API_KEY=@{h:32})~"},
    {"azure-openai-api-key", kHit, R"~(client = AzureOpenAI(api_key="@{h:32}", api_version="2024-02-01", azure_endpoint="https://contoso.openai.azure.com"))~"},
    {"azure-openai-api-key", kHit, R"~(llm = AzureChatOpenAI(deployment_name="gpt-4o", openai_api_key="@{h:32}"))~"},
    {"azure-openai-api-key", kHit, R"~(  "azure_openai_key": "@{h:32}",)~"},
    {"azure-openai-api-key", kMiss, R"~(client = AzureOpenAI(api_key=os.getenv("AZURE_OPENAI_API_KEY"), api_version="2024-02-01"))~"},
    {"azure-openai-api-key", kMiss, R"~(AZURE_OPENAI_API_KEY=<your-azure-openai-key>)~"},
    {"azure-openai-api-key", kMiss, R"~(AZURE_TENANT_ID=@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12})~"},
    {"azure-openai-api-key", kMiss, R"~(azure_blob_md5 = "@{h:32}")~"},
    {"azure-openai-api-key", kMiss, R"~(AZURE_OPENAI_API_KEY=@{0:32})~"},
    // ---------------------------------------------------------------- azure-ai-services-key
    {"azure-ai-services-key", kHit, R"~(AZURE_OPENAI_API_KEY=@{a:52}JQQJ99BA@{a:16}G@{a:7})~"},
    {"azure-ai-services-key", kHit, R"~(api_key: "@{a:52}JQQJ99BA@{a:16}G@{a:7}")~"},
    {"azure-ai-services-key", kHit, R"~(client = AzureOpenAI(api_key="@{a:52}JQQJ9DCB@{a:16}z@{a:7}", azure_endpoint=endpoint))~"},
    {"azure-ai-services-key", kMiss, R"~(AZURE_OPENAI_API_KEY=@{x:52}JQQJ99BA@{x:16}G@{x:7})~"},
    {"azure-ai-services-key", kMiss, R"~(# New-format keys carry the JQQJ9 signature after 52 characters)~"},
    {"azure-ai-services-key", kMiss, R"~(blob = "@{a:60}JQQJ99BA@{a:16}G@{a:7}")~"},
    // ---------------------------------------------------------------- aws-access-key-id
    {"aws-access-key-id", kHit, R"~(aws_access_key_id = AKIA@{B:16})~"},
    {"aws-access-key-id", kHit, R"~(AWS_ACCESS_KEY_ID=ASIA@{B:16})~"},
    {"aws-access-key-id", kHit, R"~(s3 = boto3.client("s3", aws_access_key_id="AKIA@{B:16}", region_name="us-east-1"))~"},
    {"aws-access-key-id", kHit, R"~(  "AccessKeyId": "ASIA@{B:16}",)~"},
    {"aws-access-key-id", kMiss, R"~(AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE)~"},
    {"aws-access-key-id", kMiss, R"~(aws_access_key_id = os.environ["AWS_ACCESS_KEY_ID"])~"},
    {"aws-access-key-id", kMiss, R"~(AWS_ACCESS_KEY_ID=AKIA@{x:16})~"},
    {"aws-access-key-id", kMiss, R"~(AWS_ACCESS_KEY_ID=AKIAXXXXXXXXXXXXXXXX)~"},
    {"aws-access-key-id", kMiss, R"~(asia_pacific_region = "ap-southeast-1")~"},
    // ---------------------------------------------------------------- aws-secret-access-key
    {"aws-secret-access-key", kHit, R"~(aws_secret_access_key = @{b:40})~"},
    {"aws-secret-access-key", kHit, R"~(AWS_SECRET_ACCESS_KEY="@{b:40}")~"},
    {"aws-secret-access-key", kHit, R"~(s3 = boto3.client("s3", aws_access_key_id=key_id, aws_secret_access_key="@{b:40}"))~"},
    {"aws-secret-access-key", kHit, R"~(  "SecretAccessKey": "@{b:40}",)~"},
    {"aws-secret-access-key", kMiss, R"~(aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)~"},
    {"aws-secret-access-key", kMiss, R"~(AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY})~"},
    {"aws-secret-access-key", kMiss, R"~(s3 = boto3.client("s3", aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"]))~"},
    {"aws-secret-access-key", kMiss, R"~(SECRET_KEY = "@{b:40}")~"},
    {"aws-secret-access-key", kMiss, R"~(aws_secret_name = "prod/db/@{a:20}")~"},
    // ---------------------------------------------------------------- gcp-service-account-key
    {"gcp-service-account-key", kHit, R"~(  "private_key": "-----BEGIN PRIVATE KEY-----\nMII@{b:61}\n@{b:64}\n-----END PRIVATE KEY-----\n",)~"},
    {"gcp-service-account-key", kHit, R"~(info = {"type": "service_account", 'private_key': '-----BEGIN PRIVATE KEY-----\nMIIE@{b:60}\n'})~"},
    {"gcp-service-account-key", kHit, R"~({"private_key":"-----BEGIN RSA PRIVATE KEY-----\nMIIE@{b:64}\n-----END RSA PRIVATE KEY-----\n"})~"},
    {"gcp-service-account-key", kMiss, R"~(  "private_key": "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----\n",)~"},
    {"gcp-service-account-key", kMiss, R"~(  "private_key_id": "@{h:40}",)~"},
    {"gcp-service-account-key", kMiss, R"~(  "private_key": "",)~"},
    {"gcp-service-account-key", kMiss, R"~(creds = service_account.Credentials.from_service_account_info(json.loads(os.environ["GCP_SA_JSON"])))~"},
    // ---------------------------------------------------------------- private-key
    // One-line forms here (JSON, .env, escaped strings); PEM files and string
    // literals over several lines are in test_private_key_detector.cpp.
    {"private-key", kHit, R"~(SSH_KEY="-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE@{b:64}\n@{b:64}\n-----END OPENSSH PRIVATE KEY-----")~"},
    {"private-key", kHit, R"~(  "key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEow@{b:58}\n@{b:64}\n-----END RSA PRIVATE KEY-----\n",)~"},
    {"private-key", kHit, R"~(TLS_KEY=-----BEGIN EC PRIVATE KEY----- MHcC@{b:60} @{b:40}== -----END EC PRIVATE KEY-----)~"},
    {"private-key", kHit, R"~(pem = "-----BEGIN PRIVATE KEY-----\r\nMIIEvg@{b:58}\r\n-----END PRIVATE KEY-----")~"},
    {"private-key", kMiss, R"~(-----BEGIN RSA PRIVATE KEY-----)~"},
    {"private-key", kMiss, R"~(if pem.startswith("-----BEGIN RSA PRIVATE KEY-----"):)~"},
    {"private-key", kMiss, R"~(HEADER = "-----BEGIN PRIVATE KEY-----\n")~"},
    {"private-key", kMiss, R"~(PEM_HEADER = "-----BEGIN PRIVATE KEY-----")~"},
    {"private-key", kMiss, R"~(-----BEGIN PUBLIC KEY-----)~"},
    {"private-key", kMiss, R"~(-----BEGIN CERTIFICATE-----)~"},
    {"private-key", kMiss, R"~(  "private_key": "-----BEGIN PRIVATE KEY-----\nMII@{b:61}\n-----END PRIVATE KEY-----\n",)~"},
    {"private-key", kMiss, R"~(KEY="-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----")~"},
    {"private-key", kMiss, R"~(KEY="-----BEGIN RSA PRIVATE KEY-----\n<your private key here>\n-----END RSA PRIVATE KEY-----")~"},
    {"private-key", kMiss, R"~(KEY="-----BEGIN RSA PRIVATE KEY-----\nMII@{x:70}\n-----END RSA PRIVATE KEY-----")~"},
    {"private-key", kMiss, R"~(KEY="-----BEGIN OPENSSH PRIVATE KEY-----\n@{b:70}\n-----END OPENSSH PRIVATE KEY-----")~"},
    // ---------------------------------------------------------------- github-token
    {"github-token", kHit, R"~(GITHUB_TOKEN=ghp_@{a:36})~"},
    {"github-token", kHit, R"~(g = Github("gho_@{a:36}"))~"},
    {"github-token", kHit, R"~(git clone https://x-access-token:ghs_@{a:36}@github.com/acme/app.git)~"},
    {"github-token", kHit, R"~(GH_TOKEN: github_pat_@{a:22}_@{a:59})~"},
    {"github-token", kHit, R"~(  "token": "ghu_@{a:36}",)~"},
    {"github-token", kMiss, R"~(GITHUB_TOKEN=ghp_@{x:36})~"},
    {"github-token", kMiss, R"~(token = os.environ["GITHUB_TOKEN"])~"},
    {"github-token", kMiss, R"~(GITHUB_TOKEN=ghp_...)~"},
    {"github-token", kMiss, R"~(GITHUB_TOKEN=ghp_@{0:36})~"},
    {"github-token", kMiss, R"~(GH_TOKEN: github_pat_@{a:22})~"},
    {"github-token", kMiss, R"~(        token: ${{ secrets.GITHUB_TOKEN }}  # never a literal ghp_ token)~"},
    // ---------------------------------------------------------------- gitlab-token
    {"gitlab-token", kHit, R"~(GITLAB_TOKEN=glpat-@{u:20})~"},
    {"gitlab-token", kHit, R"~(gl = gitlab.Gitlab("https://gitlab.com", private_token="glpat-@{u:27}.01@{L:7}"))~"},
    {"gitlab-token", kHit, R"~(CI_JOB_TOKEN=glcbt-@{a:2}_@{u:20})~"},
    {"gitlab-token", kHit, R"~(runner_token: glrt-@{u:20})~"},
    {"gitlab-token", kMiss, R"~(GITLAB_TOKEN=glpat-@{x:20})~"},
    {"gitlab-token", kMiss, R"~(gl = gitlab.Gitlab(url, private_token=os.environ["GITLAB_TOKEN"]))~"},
    {"gitlab-token", kMiss, R"~(GITLAB_TOKEN=glpat-...)~"},
    {"gitlab-token", kMiss, R"~(GITLAB_TOKEN=glpat-@{0:20})~"},
    {"gitlab-token", kMiss, R"~(GITLAB_TOKEN=glpat-@{a:10})~"},
    // ---------------------------------------------------------------- slack-token
    {"slack-token", kHit, R"~(SLACK_BOT_TOKEN=xoxb-@{d:12}-@{d:13}-@{a:24})~"},
    {"slack-token", kHit, R"~(client = WebClient(token="xoxp-@{d:12}-@{d:12}-@{d:13}-@{h:32}"))~"},
    {"slack-token", kHit, R"~(SLACK_APP_TOKEN=xapp-1-A@{U:10}-@{d:13}-@{h:64})~"},
    {"slack-token", kHit, R"~(  "token": "xoxa-2-@{a:40}",)~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN=xoxb-your-bot-token)~"},
    {"slack-token", kMiss, R"~(client = WebClient(token=os.environ["SLACK_BOT_TOKEN"]))~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN=xoxb-@{0:12}-@{0:13}-@{0:24})~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN=xoxb-@{0:12}-@{0:13}-@{x:24})~"},
    {"slack-token", kMiss, R"~(# Bot tokens start with xoxb- and user tokens with xoxp-)~"},
    {"slack-token", kHit, R"~(SLACK_LEGACY_BOT=xoxb-@{d:10}-@{a:24})~"},
    {"slack-token", kHit, R"~(token: xoxe-@{d:12}-@{d:12}-@{d:13}-@{h:32})~"},
    {"slack-token", kHit, R"~(SLACK_CONFIG_TOKEN=xoxe.xoxp-1-@{a:160})~"},
    {"slack-token", kHit, R"~(SLACK_REFRESH=xoxe-1-@{a:146})~"},
    {"slack-token", kHit, R"~(legacy = "xoxa-2-@{d:9}-@{d:11}-@{d:13}-@{h:18}")~"},
    {"slack-token", kHit, R"~(cookie_token = "xoxc-@{d:12}-@{d:12}-@{d:13}-@{h:64}")~"},
    {"slack-token", kHit, R"~(SLACK_LEGACY=xoxs-@{d:10}-@{d:11}-@{d:12}-@{h:64})~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN=xoxb-@{d:12}-@{d:13}-####)~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN=xoxb-@{d:12}-@{d:13}-@{a:6}####)~"},
    {"slack-token", kMiss, R"~(SLACK_BOT_TOKEN="xoxb-@{d:12}-@{d:13}-************************")~"},
    {"slack-token", kMiss, R"~(SLACK_APP_TOKEN=xapp-1-...)~"},
    {"slack-token", kMiss, R"~(token = "xoxb-@{d:4}-x")~"},
    // ---------------------------------------------------------------- slack-webhook-url
    {"slack-webhook-url", kHit, R"~(SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T@{U:10}/B@{U:10}/@{a:24})~"},
    {"slack-webhook-url", kHit, R"~(requests.post("https://hooks.slack.com/services/T@{U:8}/B@{U:10}/@{a:24}", json=payload))~"},
    {"slack-webhook-url", kHit, R"~(webhook_url: https://hooks.slack.com/workflows/T@{U:10}/A@{U:10}/@{d:18}/@{a:32})~"},
    {"slack-webhook-url", kMiss, R"~(url = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")~"},
    {"slack-webhook-url", kMiss, R"~(SLACK_WEBHOOK_URL=https://hooks.slack.com/services/...)~"},
    {"slack-webhook-url", kMiss, R"~(SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/@{0:24})~"},
    {"slack-webhook-url", kMiss, R"~(SLACK_WEBHOOK_URL=https://hooks.slack.com/services/YOUR/WEBHOOK/URL)~"},
    {"slack-webhook-url", kMiss, R"~(url = os.environ["SLACK_WEBHOOK_URL"]  # https://hooks.slack.com/services/<id>)~"},
    // ---------------------------------------------------------------- stripe-live-secret-key
    {"stripe-live-secret-key", kHit, R"~(STRIPE_SECRET_KEY=sk_live_@{a:24})~"},
    {"stripe-live-secret-key", kHit, R"~(stripe.api_key = "sk_live_@{a:99}")~"},
    {"stripe-live-secret-key", kHit, R"~(const stripe = require('stripe')('rk_live_@{a:99}');)~"},
    {"stripe-live-secret-key", kMiss, R"~(stripe.api_key = "sk_test_@{a:99}")~"},
    {"stripe-live-secret-key", kMiss, R"~(STRIPE_SECRET_KEY=sk_live_...)~"},
    {"stripe-live-secret-key", kMiss, R"~(STRIPE_SECRET_KEY=sk_live_@{0:24})~"},
    {"stripe-live-secret-key", kMiss, R"~(stripe.api_key = os.environ["STRIPE_SECRET_KEY"])~"},
    {"stripe-live-secret-key", kMiss, R"~(STRIPE_SECRET_KEY=sk_live_@{x:24})~"},
    {"stripe-live-secret-key", kMiss, R"~(const stripe = Stripe("pk_live_@{a:99}");)~"},
    // ---------------------------------------------------------------- database-url-password
    {"database-url-password", kHit, R"~(DATABASE_URL=postgres://app:@{a:16}@db.internal:5432/app)~"},
    {"database-url-password", kHit, R"~(engine = create_engine("postgresql+psycopg2://admin:@{a:20}@10.0.0.5/prod"))~"},
    {"database-url-password", kHit, R"~(MONGO_URI=mongodb+srv://svc:@{a:18}@cluster0.ab1cd.mongodb.net/?retryWrites=true)~"},
    {"database-url-password", kHit, R"~(REDIS_URL=redis://:@{a:24}@cache:6379/0)~"},
    {"database-url-password", kHit, R"~(broker_url = "amqp://worker:@{a:16}@rabbitmq:5672//")~"},
    {"database-url-password", kHit, R"~(  url: mysql://root:@{b:14}@mysql.prod:3306/shop)~"},
    {"database-url-password", kMiss, R"~(DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/app)~"},
    {"database-url-password", kMiss, R"~(# e.g. postgresql://user:password@localhost/dbname)~"},
    {"database-url-password", kMiss, R"~(MONGO_URI=mongodb+srv://<username>:<password>@cluster0.mongodb.net/)~"},
    {"database-url-password", kMiss, R"~(url = f"postgresql://{user}:{password}@{host}:{port}/{db}")~"},
    {"database-url-password", kMiss, R"~(DATABASE_URL=mysql://root:$MYSQL_ROOT_PASSWORD@db/app)~"},
    {"database-url-password", kMiss, R"~(CELERY_BROKER_URL=amqp://guest:guest@localhost:5672//)~"},
    {"database-url-password", kMiss, R"~(TEST_DATABASE_URL=postgres://postgres:postgres@localhost:5432/test)~"},
    {"database-url-password", kHit, R"~(DATABASE_URL=postgres://app:@{a:20}@localhost:5432/app)~"},
    {"database-url-password", kHit, R"~(DATABASE_URL=postgresql://testuser:testpwd@db@{d:1}.prod-cluster.internal.net:5432/vectordb)~"},
    {"database-url-password", kHit, R"~(SQLALCHEMY_URL=mssql+pyodbc://sa:@{a:18}@sql01.corp.net/app)~"},
    {"database-url-password", kHit, R"~(NEO4J_URI=neo4j+s://neo4j:@{a:22}@abcd1234.databases.neo4j.io)~"},
    {"database-url-password", kMiss, R"~(conn = "postgresql://testuser:testpwd@localhost:5432/vectordb")~"},
    {"database-url-password", kMiss, R"~(MONGO_URL=mongodb://mongodb_user:mongodb_password@localhost:27017/agents)~"},
    {"database-url-password", kMiss, R"~(placeholder="postgresql://username:userpass@localhost/mydb")~"},
    {"database-url-password", kMiss, R"~(url: mysql://shop:shop_pass123@db.example.com/shop)~"},
    {"database-url-password", kMiss, R"~(DATABASE_URL=postgres://app:app_dev_password@db:5432/app)~"},
    {"database-url-password", kMiss, R"~(redis_url = "redis://default:redispass@127.0.0.1:6379")~"},
    {"database-url-password", kMiss, R"~(REDIS_URL=redis://localhost:6379/0)~"},
    {"database-url-password", kMiss, R"~(log.info("connecting to mongodb://app:***@db.internal"))~"},
    {"database-url-password", kMiss, R"~(REDIS_URL=redis://:@localhost:6379)~"},
    {"database-url-password", kMiss, R"~(DATABASE_URL: postgresql://app:{{ db_password }}@db/app)~"},

    // ---------------------------------------------------------------- pickle-deserialization
    {"pickle-deserialization", kHit, R"~(model = pickle.load(open("model.pkl", "rb")))~"},
    {"pickle-deserialization", kHit, R"~(obj = pickle.loads(request.data))~"},
    {"pickle-deserialization", kHit, R"~(clf = joblib.load("clf.joblib"))~"},
    {"pickle-deserialization", kHit, R"~(df = pd.read_pickle(path))~"},
    {"pickle-deserialization", kHit, R"~(state = cloudpickle.loads(blob))~"},
    {"pickle-deserialization", kHit, R"~(    "data = dill.load(f)\n",)~"},
    {"pickle-deserialization", kMiss, R"~(pickle.dump(model, f))~"},
    {"pickle-deserialization", kMiss, R"~(joblib.dump(clf, "clf.joblib"))~"},
    {"pickle-deserialization", kMiss, R"~(# never call pickle.load on untrusted input)~"},
    {"pickle-deserialization", kMiss, R"~(import pickle)~"},
    {"pickle-deserialization", kMiss, R"~(df.to_pickle("cache.pkl"))~"},
    // ---------------------------------------------------------------- torch-load-without-weights-only
    {"torch-load-without-weights-only", kHit, R"~(state = torch.load("model.pt"))~"},
    {"torch-load-without-weights-only", kHit, R"~(ckpt = torch.load(path, map_location="cpu"))~"},
    {"torch-load-without-weights-only", kHit, R"~(    "sd = torch.load(ckpt_path)\n",)~"},
    {"torch-load-without-weights-only", kMiss, R"~(state = torch.load("model.pt", weights_only=True))~"},
    {"torch-load-without-weights-only", kMiss, R"~(ckpt = torch.load(path, map_location="cpu", weights_only=False))~"},
    {"torch-load-without-weights-only", kMiss, R"~(torch.save(model.state_dict(), "model.pt"))~"},
    {"torch-load-without-weights-only", kMiss, R"~(# torch.load(path) unpickles the file)~"},
    {"torch-load-without-weights-only", kMiss, R"~(state = safetensors.torch.load_file("model.safetensors"))~"},
    // ---------------------------------------------------------------- torch-load-weights-only-false
    {"torch-load-weights-only-false", kHit, R"~(ckpt = torch.load(path, weights_only=False))~"},
    {"torch-load-weights-only-false", kHit, R"~(    weights_only=False,)~"},
    {"torch-load-weights-only-false", kHit, R"~(state = torch.load(f, map_location=device, weights_only = False))~"},
    {"torch-load-weights-only-false", kMiss, R"~(state = torch.load(path, weights_only=True))~"},
    {"torch-load-weights-only-false", kMiss, R"~(# weights_only=False is needed for old checkpoints)~"},
    {"torch-load-weights-only-false", kMiss, R"~(if weights_only == False:)~"},
    {"torch-load-weights-only-false", kMiss, R"~(use_weights_only = False)~"},
    // ---------------------------------------------------------------- numpy-allow-pickle
    {"numpy-allow-pickle", kHit, R"~(arr = np.load("feats.npy", allow_pickle=True))~"},
    {"numpy-allow-pickle", kHit, R"~(data = numpy.load(path, allow_pickle=True).item())~"},
    {"numpy-allow-pickle", kHit, R"~(    allow_pickle=True,)~"},
    {"numpy-allow-pickle", kMiss, R"~(arr = np.load("feats.npy"))~"},
    {"numpy-allow-pickle", kMiss, R"~(np.save("feats.npy", arr, allow_pickle=True))~"},
    {"numpy-allow-pickle", kMiss, R"~(arr = np.load(path, allow_pickle=False))~"},
    {"numpy-allow-pickle", kMiss, R"~(# allow_pickle=True would be unsafe here)~"},
    // ---------------------------------------------------------------- yaml-unsafe-load
    {"yaml-unsafe-load", kHit, R"~(cfg = yaml.load(f))~"},
    {"yaml-unsafe-load", kHit, R"~(cfg = yaml.load(f, Loader=yaml.Loader))~"},
    {"yaml-unsafe-load", kHit, R"~(cfg = yaml.unsafe_load(text))~"},
    {"yaml-unsafe-load", kHit, R"~(cfg = yaml.full_load(open("config.yml")))~"},
    {"yaml-unsafe-load", kHit, R"~(    Loader=yaml.FullLoader))~"},
    {"yaml-unsafe-load", kHit, R"~(yaml = YAML(typ="unsafe"))~"},
    {"yaml-unsafe-load", kMiss, R"~(cfg = yaml.safe_load(f))~"},
    {"yaml-unsafe-load", kMiss, R"~(cfg = yaml.load(f, Loader=yaml.SafeLoader))~"},
    {"yaml-unsafe-load", kMiss, R"~(cfg = yaml.load(f, Loader=yaml.CSafeLoader))~"},
    {"yaml-unsafe-load", kMiss, R"~(docs = list(yaml.safe_load_all(stream)))~"},
    {"yaml-unsafe-load", kMiss, R"~(yaml.dump(cfg, f))~"},
    // ---------------------------------------------------------------- trust-remote-code
    {"trust-remote-code", kHit, R"~(model = AutoModelForCausalLM.from_pretrained(name, trust_remote_code=True))~"},
    {"trust-remote-code", kHit, R"~(  "trust_remote_code": true,)~"},
    {"trust-remote-code", kHit, R"~(trust_remote_code: true)~"},
    {"trust-remote-code", kHit, R"~(vllm serve Qwen/Qwen-7B-Chat --trust-remote-code)~"},
    {"trust-remote-code", kMiss, R"~(model = AutoModel.from_pretrained(name, trust_remote_code=False))~"},
    {"trust-remote-code", kMiss, R"~(model = AutoModel.from_pretrained(name, revision="@{h:40}", trust_remote_code=True))~"},
    {"trust-remote-code", kMiss, R"~(# trust_remote_code=True runs code from the Hub)~"},
    {"trust-remote-code", kMiss, R"~(trust_remote_code: false)~"},
    // ---------------------------------------------------------------- langchain-dangerous-opt-in
    {"langchain-dangerous-opt-in", kHit, R"~(db = FAISS.load_local("index", embeddings, allow_dangerous_deserialization=True))~"},
    {"langchain-dangerous-opt-in", kHit, R"~(agent = create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True))~"},
    {"langchain-dangerous-opt-in", kHit, R"~(toolkit = RequestsToolkit(requests_wrapper=wrapper, allow_dangerous_requests=True))~"},
    {"langchain-dangerous-opt-in", kHit, R"~(const toolkit = new OpenApiToolkit(spec, llm, { allowDangerousRequests: true });)~"},
    {"langchain-dangerous-opt-in", kMiss, R"~(db = FAISS.load_local("index", embeddings))~"},
    {"langchain-dangerous-opt-in", kMiss, R"~(agent = create_pandas_dataframe_agent(llm, df, allow_dangerous_code=False))~"},
    {"langchain-dangerous-opt-in", kMiss, R"~(# pass allow_dangerous_deserialization=True only for files you wrote)~"},
    // ---------------------------------------------------------------- agent-code-execution-tool
    {"agent-code-execution-tool", kHit, R"~(tools = [PythonREPLTool()])~"},
    {"agent-code-execution-tool", kHit, R"~(repl = PythonAstREPLTool(locals={"df": df}))~"},
    {"agent-code-execution-tool", kHit, R"~(tools = load_tools(["python_repl", "llm-math"], llm=llm))~"},
    {"agent-code-execution-tool", kHit, R"~(shell_tool = ShellTool())~"},
    {"agent-code-execution-tool", kHit, R"~(executor = LocalCommandLineCodeExecutor(work_dir="coding"))~"},
    {"agent-code-execution-tool", kMiss, R"~(code_execution_config={"work_dir": "coding", "use_docker": False})~"},
    {"agent-code-execution-tool", kMiss, R"~(from autogen.coding import LocalCommandLineCodeExecutor)~"},
    {"agent-code-execution-tool", kMiss, R"~(if isinstance(executor, LocalCommandLineCodeExecutor):)~"},
    {"agent-code-execution-tool", kMiss, R"~(executor = self._make_local_executor(LocalCommandLineCodeExecutorConfig))~"},
    {"agent-code-execution-tool", kMiss, R"~(from langchain_experimental.tools import PythonREPLTool)~"},
    {"agent-code-execution-tool", kMiss, R"~(tools = load_tools(["serpapi", "llm-math"], llm=llm))~"},
    {"agent-code-execution-tool", kMiss, R"~(executor = DockerCommandLineCodeExecutor(image="python:3.12-slim"))~"},
    {"agent-code-execution-tool", kMiss, R"~(class PythonREPLTool(BaseTool):)~"},
    {"agent-code-execution-tool", kMiss, R"~(code_execution_config={"use_docker": True})~"},
    // ---------------------------------------------------------------- eval-exec-model-output
    {"eval-exec-model-output", kHit, R"~(result = eval(response.choices[0].message.content))~"},
    {"eval-exec-model-output", kHit, R"~(exec(completion.choices[0].message.content))~"},
    {"eval-exec-model-output", kHit, R"~(    exec(llm_output))~"},
    {"eval-exec-model-output", kHit, R"~(value = eval(answer))~"},
    {"eval-exec-model-output", kHit, R"~(os.system(response.text))~"},
    {"eval-exec-model-output", kHit, R"~(const fn = eval(completion.data.choices[0].text);)~"},
    {"eval-exec-model-output", kMiss, R"~(model.eval())~"},
    {"eval-exec-model-output", kMiss, R"~(data = ast.literal_eval(response))~"},
    {"eval-exec-model-output", kMiss, R"~(df.eval("c = a + b"))~"},
    {"eval-exec-model-output", kMiss, R"~(exec(open("setup_env.py").read()))~"},
    {"eval-exec-model-output", kMiss, R"~(const m = pattern.exec(output);)~"},
    {"eval-exec-model-output", kMiss, R"~(# never eval(response) from the model)~"},
    {"eval-exec-model-output", kMiss, R"~(score = evaluate(predictions, references))~"},
    // ---------------------------------------------------------------- subprocess-shell-true
    {"subprocess-shell-true", kHit, R"~(subprocess.run(cmd, shell=True, check=True))~"},
    {"subprocess-shell-true", kHit, R"~(out = subprocess.check_output(f"ls {path}", shell=True))~"},
    {"subprocess-shell-true", kHit, R"~(    shell=True,)~"},
    {"subprocess-shell-true", kHit, R"~(status, out = subprocess.getstatusoutput(command))~"},
    {"subprocess-shell-true", kMiss, R"~(subprocess.run(["git", "status"], check=True))~"},
    {"subprocess-shell-true", kMiss, R"~(subprocess.run(cmd, shell=False))~"},
    {"subprocess-shell-true", kMiss, R"~(# shell=True would allow injection)~"},
    {"subprocess-shell-true", kMiss, R"~(use_shell = True)~"},
    // ---------------------------------------------------------------- keras-safe-mode-disabled
    {"keras-safe-mode-disabled", kHit, R"~(model = keras.models.load_model("m.keras", safe_mode=False))~"},
    {"keras-safe-mode-disabled", kHit, R"~(model = tf.keras.models.load_model(path, custom_objects=objs, safe_mode=False))~"},
    {"keras-safe-mode-disabled", kHit, R"~(    safe_mode=False,)~"},
    {"keras-safe-mode-disabled", kMiss, R"~(model = keras.models.load_model("m.keras"))~"},
    {"keras-safe-mode-disabled", kMiss, R"~(model = keras.models.load_model(path, safe_mode=True))~"},
    {"keras-safe-mode-disabled", kMiss, R"~(# safe_mode=False allows Lambda layers)~"},
    // ---------------------------------------------------------------- ai-provider-key
    {"ai-provider-key", kHit, R"~(NVIDIA_API_KEY=nvapi-@{u:63}A)~"},
    {"ai-provider-key", kHit, R"~(LANGFUSE_SECRET_KEY="sk-lf-@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12}")~"},
    {"ai-provider-key", kHit, R"~(client = TavilyClient(api_key="tvly-@{a:32}"))~"},
    {"ai-provider-key", kHit, R"~(E2B_API_KEY=e2b_@{h:40})~"},
    {"ai-provider-key", kHit, R"~(client = Cerebras(api_key="csk-@{L:48}"))~"},
    {"ai-provider-key", kHit, R"~(LLAMA_CLOUD_API_KEY=llx-@{a:48})~"},
    {"ai-provider-key", kHit, R"~(FIREWORKS_API_KEY=fw_@{a:24})~"},
    {"ai-provider-key", kMiss, R"~(NVIDIA_API_KEY=nvapi-...)~"},
    {"ai-provider-key", kMiss, R"~(LANGFUSE_PUBLIC_KEY="pk-lf-@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12}")~"},
    {"ai-provider-key", kMiss, R"~(client = TavilyClient(api_key=os.environ["TAVILY_API_KEY"]))~"},
    {"ai-provider-key", kMiss, R"~(E2B_API_KEY=e2b_@{x:40})~"},
    {"ai-provider-key", kMiss, R"~(model = "accounts/fireworks/models/llama-v3p1-8b-instruct")~"},
    // ---------------------------------------------------------------- cloud-platform-token
    {"cloud-platform-token", kHit, R"~(DIGITALOCEAN_TOKEN=dop_v1_@{h:64})~"},
    {"cloud-platform-token", kHit, R"~(HEROKU_API_KEY=HRKU-AA@{u:57}Z)~"},
    {"cloud-platform-token", kHit, R"~(DATABRICKS_TOKEN=dapi@{h:32})~"},
    {"cloud-platform-token", kHit, R"~(DOPPLER_TOKEN=dp.st.@{a:43})~"},
    {"cloud-platform-token", kHit, R"~(VAULT_TOKEN=hvs.@{u:95})~"},
    {"cloud-platform-token", kHit, R"~(token = "@{a:14}.atlasv1.@{a:67}")~"},
    {"cloud-platform-token", kHit, R"~(PULUMI_ACCESS_TOKEN=pul-@{h:40})~"},
    {"cloud-platform-token", kHit, R"~(SUPABASE_ACCESS_TOKEN=sbp_@{h:40})~"},
    {"cloud-platform-token", kHit, R"~(access_key_id: LTAI@{a:20})~"},
    {"cloud-platform-token", kHit, R"~(FLY_API_TOKEN=fo1_@{u:43})~"},
    {"cloud-platform-token", kHit, R"~(PLANETSCALE_TOKEN=pscale_tkn_@{a:43})~"},
    {"cloud-platform-token", kHit, R"~(oc login --token=sha256~@{u:43})~"},
    {"cloud-platform-token", kMiss, R"~(DIGITALOCEAN_TOKEN=dop_v1_@{0:64})~"},
    {"cloud-platform-token", kMiss, R"~(image: sha256~@{u:20})~"},
    {"cloud-platform-token", kMiss, R"~(VAULT_TOKEN=hvs.your-vault-token)~"},
    {"cloud-platform-token", kMiss, R"~(digest = "sha256:@{h:64}")~"},
    {"azure-ad-client-secret", kHit, R"~(AZURE_CLIENT_SECRET="@{a:3}8Q~@{u:31}")~"},
    {"azure-ad-client-secret", kHit, R"~(client_secret: @{a:3}7Q~@{a:34})~"},
    {"azure-ad-client-secret", kHit, R"~(credential = ClientSecretCredential(tenant, client_id, "@{a:3}1Q~@{u:32}"))~"},
    {"azure-ad-client-secret", kMiss, R"~(AZURE_CLIENT_SECRET=${{ secrets.AZURE_CLIENT_SECRET }})~"},
    {"azure-ad-client-secret", kMiss, R"~(AZURE_CLIENT_SECRET=abc8Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)~"},
    {"azure-ad-client-secret", kMiss, R"~(path = "~/Q~notes")~"},
    {"cloud-platform-token", kMiss, R"~(DATABRICKS_HOST=https://dbc-@{h:8}-@{h:4}.cloud.databricks.com)~"},
    // ---------------------------------------------------------------- package-registry-token
    {"package-registry-token", kHit, R"~(//registry.npmjs.org/:_authToken=npm_@{a:36})~"},
    {"package-registry-token", kHit, R"~(password = pypi-AgEIcHlwaS5vcmc@{u:140})~"},
    {"package-registry-token", kHit, R"~(GEM_HOST_API_KEY=rubygems_@{h:48})~"},
    {"package-registry-token", kHit, R"~(echo dckr_pat_@{u:27} | docker login -u me --password-stdin)~"},
    {"package-registry-token", kHit, R"~(CLOJARS_PASSWORD=CLOJARS_@{L:60})~"},
    {"package-registry-token", kMiss, R"~(//registry.npmjs.org/:_authToken=${NPM_TOKEN})~"},
    {"package-registry-token", kMiss, R"~(password = pypi-@{u:60})~"},
    {"package-registry-token", kMiss, R"~(npm_config_cache=/tmp/npm_cache_directory_for_builds)~"},
    {"package-registry-token", kMiss, R"~(DOCKER_TOKEN=dckr_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxx)~"},
    // ---------------------------------------------------------------- developer-service-token
    {"developer-service-token", kHit, R"~(LINEAR_API_KEY=lin_api_@{a:40})~"},
    {"developer-service-token", kHit, R"~(SENTRY_AUTH_TOKEN=sntryu_@{h:64})~"},
    {"developer-service-token", kHit, R"~(POSTMAN_API_KEY=PMAK-@{h:24}-@{h:34})~"},
    {"developer-service-token", kHit, R"~(GRAFANA_SA_TOKEN=glsa_@{a:32}_@{h:8})~"},
    {"developer-service-token", kHit, R"~(NEW_RELIC_API_KEY=NRAK-@{U:27})~"},
    {"developer-service-token", kHit, R"~(notion = Client(auth="ntn_@{d:11}@{a:35}"))~"},
    {"developer-service-token", kHit, R"~(AIRTABLE_TOKEN=pat@{a:14}.@{h:64})~"},
    {"developer-service-token", kHit, R"~(SONAR_TOKEN=squ_@{h:40})~"},
    {"developer-service-token", kMiss, R"~(LINEAR_API_KEY=lin_api_...)~"},
    {"developer-service-token", kMiss, R"~(pattern = re.compile(r"^\w+$"))~"},
    {"developer-service-token", kMiss, R"~(SENTRY_DSN=https://@{h:32}@o123.ingest.sentry.io/456)~"},
    {"developer-service-token", kMiss, R"~(secret_name = "projects/my-project/secrets/api-key/versions/latest")~"},
    // ---------------------------------------------------------------- payment-provider-key
    {"payment-provider-key", kHit, R"~(STRIPE_WEBHOOK_SECRET=whsec_@{a:32})~"},
    {"payment-provider-key", kHit, R"~(SHOPIFY_ACCESS_TOKEN=shpat_@{h:32})~"},
    {"payment-provider-key", kHit, R"~(SQUARE_ACCESS_TOKEN=EAAA@{u:60})~"},
    {"payment-provider-key", kHit, R"~(BRAINTREE_TOKEN=access_token$production$@{L:16}$@{h:32})~"},
    {"payment-provider-key", kHit, R"~(FLW_SECRET_KEY=FLWSECK-@{h:32}-X)~"},
    {"payment-provider-key", kMiss, R"~(STRIPE_WEBHOOK_SECRET=whsec_...)~"},
    {"payment-provider-key", kMiss, R"~(FLW_SECRET_KEY=FLWSECK_TEST-@{h:32}-X)~"},
    {"payment-provider-key", kMiss, R"~(SHOPIFY_ACCESS_TOKEN=shpat_@{x:32})~"},
    {"payment-provider-key", kMiss, R"~(BRAINTREE_TOKEN=access_token$sandbox$@{L:16}$@{h:32})~"},
    // ---------------------------------------------------------------- messaging-service-token
    {"messaging-service-token", kHit, R"~(SENDGRID_API_KEY=SG.@{u:22}.@{u:43})~"},
    {"messaging-service-token", kHit, R"~(TELEGRAM_BOT_TOKEN=@{d:10}:AA@{u:32}Z)~"},
    {"messaging-service-token", kHit, R"~(MAILCHIMP_API_KEY=@{h:32}-us21)~"},
    {"messaging-service-token", kHit, R"~(TWILIO_API_KEY=SK@{h:32})~"},
    {"messaging-service-token", kHit, R"~(BREVO_API_KEY=xkeysib-@{h:64}-@{a:16})~"},
    {"messaging-service-token", kHit, R"~(DISCORD_WEBHOOK=https://discord.com/api/webhooks/@{d:18}/@{u:68})~"},
    {"messaging-service-token", kHit, R"~(url = "https://contoso.webhook.office.com/webhookb2/@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12}@@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12}/IncomingWebhook/@{h:32}/@{h:8}-@{h:4}-@{h:4}-@{h:4}-@{h:12}")~"},
    {"messaging-service-token", kMiss, R"~(TWILIO_ACCOUNT_SID=AC@{h:32})~"},
    {"messaging-service-token", kMiss, R"~(SENDGRID_API_KEY=SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx)~"},
    {"messaging-service-token", kMiss, R"~(logger = logging.getLogger("NotificationServiceHandler.create.SomethingLongerThanTwentySeven"))~"},
    {"messaging-service-token", kMiss, R"~(TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11)~"},
    {"messaging-service-token", kMiss, R"~(DISCORD_WEBHOOK=https://discord.com/api/webhooks/...)~"},
};
// clang-format on

/// Generates credential-shaped strings from a fixed seed, so runs repeat.
class FakeCredentials {
 public:
  explicit FakeCredentials(uint64_t seed) : rng_(seed) {}

  /// Replaces each "@{kind:N}" in `line` with N characters of that kind and
  /// appends every random chunk to `chunks`. Kinds: a alnum, l letters,
  /// h hex, d digits, u alnum plus "_-", b base64, B base32 (A-Z2-7),
  /// U upper alnum, L lower alnum; x and 0 repeat that character, q is a
  /// double quote and t a backtick (so this file holds no key opener).
  std::string expand(std::string_view line, std::vector<std::string>& chunks) {
    static const RE2 kPlaceholder(R"((@\{(\w):(\d+)\}))");
    std::string out;
    re2::StringPiece rest(line.data(), line.size());
    re2::StringPiece whole, kind, count;
    while (RE2::PartialMatch(rest, kPlaceholder, &whole, &kind, &count)) {
      out.append(rest.data(), static_cast<size_t>(whole.data() - rest.data()));
      std::string chunk = generate(std::string_view(kind.data(), kind.size()), std::stoul(std::string(count)));
      if (chunk.size() > 1 && chunk.find_first_not_of(chunk[0]) != std::string::npos) chunks.push_back(chunk);
      out += chunk;
      rest.remove_prefix(static_cast<size_t>(whole.data() - rest.data()) + whole.size());
    }
    out.append(rest.data(), rest.size());
    return out;
  }

 private:
  std::string generate(std::string_view kind, size_t count) {
    static const std::map<std::string_view, std::string_view> kAlphabets = {
        {"a", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"},
        {"l", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"},
        {"h", "0123456789abcdef"},
        {"d", "0123456789"},
        {"u", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"},
        {"b", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"},
        {"B", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"},
        {"U", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"},
        {"L", "abcdefghijklmnopqrstuvwxyz0123456789"},
        {"x", "x"},
        {"0", "0"},
        {"q", "\""},
        {"t", "`"},
    };
    auto found = kAlphabets.find(kind);
    REQUIRE(found != kAlphabets.end());
    std::string_view alphabet = found->second;
    std::string out;
    for (size_t i = 0; i < count; ++i) out += alphabet[rng_() % alphabet.size()];
    return out;
  }

  std::mt19937_64 rng_;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// One rule as the engine would see it: the detector plus what the engine
/// applies around it (keywords before, allowlist after).
struct LoadedRule {
  std::string file;
  const toml::table* table = nullptr;  // owned by LoadedRules::documents
  std::string id;
  std::string action;
  std::vector<std::string> keywords;  // lower-cased
  std::unique_ptr<Detector> detector;
  std::vector<std::unique_ptr<RE2>> allow_regexes;
  std::vector<std::string> stopwords;  // lower-cased
  std::vector<std::string> values;     // exact secrets
};

struct LoadedRules {
  std::vector<std::unique_ptr<toml::table>> documents;
  std::vector<LoadedRule> rules;
  std::vector<std::string> errors;

  const LoadedRule* find(std::string_view id) const {
    for (const auto& rule : rules)
      if (rule.id == id) return &rule;
    return nullptr;
  }
};

constexpr const char* kRuleFiles[] = {"10-credentials.toml", "15-services.toml", "20-unsafe-loading.toml"};

fs::path repo_root() {
  // REFGUARD_TEST_DATA is <repo>/tests/data; resolved lexically because the
  // directory itself need not exist.
  return (fs::path(REFGUARD_TEST_DATA) / ".." / "..").lexically_normal();
}

fs::path builtin_dir() { return repo_root() / "config" / "builtin"; }

void load_allowlist(const toml::table& rule_table, LoadedRule& rule, std::vector<std::string>& errors) {
  const toml::table* allowlist = rule_table["allowlist"].as_table();
  if (!allowlist) return;
  if (const toml::array* regexes = (*allowlist)["regexes"].as_array()) {
    for (const auto& node : *regexes) {
      auto pattern = node.value<std::string>();
      RE2::Options options;
      options.set_log_errors(false);
      auto regex = std::make_unique<RE2>(pattern.value_or(""), options);
      if (!pattern || !regex->ok()) errors.push_back(rule.id + ": bad allowlist regex " + pattern.value_or("?"));
      rule.allow_regexes.push_back(std::move(regex));
    }
  }
  if (const toml::array* stopwords = (*allowlist)["stopwords"].as_array())
    for (const auto& node : *stopwords) rule.stopwords.push_back(lower(node.value<std::string>().value_or("")));
  if (const toml::array* values = (*allowlist)["values"].as_array())
    for (const auto& node : *values) rule.values.push_back(node.value<std::string>().value_or(""));
}

LoadedRule load_rule(const std::string& file, const toml::table& table, std::vector<std::string>& errors) {
  LoadedRule rule;
  rule.file = file;
  rule.table = &table;
  rule.id = table["id"].value_or(std::string());
  rule.action = table["action"].value_or(std::string());
  const toml::table* detector_table = table["detector"].as_table();
  if (!detector_table) {
    errors.push_back(file + ": rule '" + rule.id + "' has no [rule.detector]");
    return rule;
  }
  std::string type = (*detector_table)["type"].value_or(std::string());
  auto factory = refguard::detect::find_detector_factory(type);
  if (!factory) {
    errors.push_back(file + ": rule '" + rule.id + "' has an unknown detector type");
    return rule;
  }
  DetectorParams params(*detector_table, file, rule.id);
  rule.detector = factory(params);
  if (auto finished = params.finish(); !finished) errors.push_back(finished.error().message);
  if (!rule.detector) {
    errors.push_back(file + ": rule '" + rule.id + "' built no detector");
    return rule;
  }
  if (auto prefilter = rule.detector->prefilter())
    for (const auto& keyword : prefilter->keywords) rule.keywords.push_back(lower(keyword));
  load_allowlist(table, rule, errors);
  return rule;
}

const LoadedRules& builtin_rules() {
  static const LoadedRules loaded = [] {
    LoadedRules out;
    for (const char* name : kRuleFiles) {
      fs::path path = builtin_dir() / name;
      try {
        out.documents.push_back(std::make_unique<toml::table>(toml::parse_file(path.string())));
      } catch (const toml::parse_error& error) {
        out.errors.push_back(path.string() + ": " + std::string(error.description()));
        continue;
      }
      const toml::array* rules = (*out.documents.back())["rule"].as_array();
      if (!rules) {
        out.errors.push_back(path.string() + ": no [[rule]] tables");
        continue;
      }
      for (const auto& node : *rules) {
        if (const toml::table* table = node.as_table()) out.rules.push_back(load_rule(name, *table, out.errors));
        else out.errors.push_back(path.string() + ": [[rule]] entry is not a table");
      }
    }
    return out;
  }();
  return loaded;
}

bool allowlisted(const LoadedRule& rule, const std::string& secret) {
  if (std::find(rule.values.begin(), rule.values.end(), secret) != rule.values.end()) return true;
  for (const auto& regex : rule.allow_regexes)
    if (RE2::PartialMatch(secret, *regex)) return true;
  std::string folded = lower(secret);
  return std::any_of(rule.stopwords.begin(), rule.stopwords.end(),
                     [&](const std::string& word) { return folded.find(word) != std::string::npos; });
}

/// Runs one rule over one added line as the engine does: the keyword
/// prefilter, scan_lines, then the rule's allowlist on each secret.
std::vector<Hit> scan(const LoadedRule& rule, std::string_view line) {
  std::vector<Hit> hits;
  if (!rule.detector) return hits;
  std::string folded = lower(line);
  bool has_keyword = rule.keywords.empty() ||
                     std::any_of(rule.keywords.begin(), rule.keywords.end(),
                                 [&](const std::string& keyword) { return folded.find(keyword) != std::string::npos; });
  if (!has_keyword) return hits;
  FileView file;
  file.path = "snippet";
  file.content = line;
  file.added.push_back(AddedLine{1, line});
  rule.detector->scan_lines(file, {0}, hits);
  std::erase_if(hits, [&](const Hit& hit) { return allowlisted(rule, hit.secret); });
  return hits;
}

bool is_credential_rule(const LoadedRule& rule) { return rule.file == kRuleFiles[0] || rule.file == kRuleFiles[1]; }

struct ExpandedCase {
  const Case* source;
  std::string line;
  std::vector<std::string> chunks;
};

const std::vector<ExpandedCase>& expanded_cases() {
  static const std::vector<ExpandedCase> cases = [] {
    FakeCredentials fake(0x5EC12E75u);
    std::vector<ExpandedCase> out;
    for (const Case& c : kCases) {
      ExpandedCase expanded{&c, {}, {}};
      expanded.line = fake.expand(c.line, expanded.chunks);
      out.push_back(std::move(expanded));
    }
    return out;
  }();
  return cases;
}

std::string secrets_of(const std::vector<Hit>& hits) {
  std::string out;
  for (const Hit& hit : hits) out += "[" + hit.secret + "] ";
  return out;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("builtin rule files load and every detector builds", "[rules]") {
  const LoadedRules& loaded = builtin_rules();
  std::string errors;
  for (const auto& error : loaded.errors) errors += error + "\n";
  INFO(errors);
  CHECK(loaded.errors.empty());
  CHECK(loaded.rules.size() >= 30);
}

TEST_CASE("builtin rules carry id, description, action and remedy, with unique ids", "[rules]") {
  const LoadedRules& loaded = builtin_rules();
  RE2 kebab("[a-z0-9]+(?:-[a-z0-9]+)*");
  const std::set<std::string> rule_keys = {"id", "description", "action", "remedy", "paths", "ai_only", "detector", "allowlist"};
  const std::set<std::string> allowlist_keys = {"regexes", "stopwords", "paths", "commits", "values"};
  std::set<std::string> ids;
  for (const auto& rule : loaded.rules) {
    INFO(rule.file << ": rule '" << rule.id << "'");
    const toml::table& table = *rule.table;
    CHECK(RE2::FullMatch(rule.id, kebab));
    CHECK(ids.insert(rule.id).second);
    CHECK(table["description"].value_or(std::string()).size() > 10);
    CHECK(table["remedy"].value_or(std::string()).size() > 40);
    CHECK((rule.action == "block" || rule.action == "warn" || rule.action == "off"));
    if (is_credential_rule(rule)) CHECK(rule.action == "block");
    for (const auto& [key, node] : table) CHECK(rule_keys.contains(std::string(key.str())));
    if (const toml::table* allowlist = table["allowlist"].as_table())
      for (const auto& [key, node] : *allowlist) CHECK(allowlist_keys.contains(std::string(key.str())));
    if (const toml::node* paths = table.get("paths")) {
      REQUIRE(paths->as_array());
      for (const auto& glob : *paths->as_array()) CHECK(glob.value<std::string>().has_value());
    }
    if (const toml::node* ai_only = table.get("ai_only")) CHECK(ai_only->is_boolean());
  }
}

TEST_CASE("these rule ids are not reused by another built-in policy file", "[rules]") {
  // The built-in files are concatenated into one policy, where a repeated id
  // merges into (and silently changes) the earlier rule.
  std::set<std::string> ours;
  for (const auto& rule : builtin_rules().rules) ours.insert(rule.id);
  for (const auto& entry : fs::directory_iterator(builtin_dir())) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".toml" || name == kRuleFiles[0] || name == kRuleFiles[1] || name == kRuleFiles[2])
      continue;
    toml::table other;
    try {
      other = toml::parse_file(entry.path().string());
    } catch (const toml::parse_error&) {
      continue;  // another file's own tests report its syntax
    }
    if (const toml::array* rules = other["rule"].as_array())
      for (const auto& node : *rules) {
        std::string id = node.as_table() ? (*node.as_table())["id"].value_or(std::string()) : std::string();
        INFO(name << " reuses rule id '" << id << "'");
        CHECK(!ours.contains(id));
      }
  }
}

TEST_CASE("every builtin rule has at least three true and three false positives", "[rules]") {
  std::map<std::string, std::pair<int, int>> counts;  // id -> (reported, silent)
  for (const Case& c : kCases) (c.reported ? counts[std::string(c.rule)].first : counts[std::string(c.rule)].second)++;
  const LoadedRules& loaded = builtin_rules();
  for (const auto& rule : loaded.rules) {
    INFO("rule '" << rule.id << "'");
    CHECK(counts[rule.id].first >= 3);
    CHECK(counts[rule.id].second >= 3);
  }
  for (const auto& [id, count] : counts) {
    INFO("case names unknown rule '" << id << "'");
    CHECK(loaded.find(id) != nullptr);
  }
}

TEST_CASE("builtin rules report their true positives and ignore their false positives", "[rules]") {
  const LoadedRules& loaded = builtin_rules();
  for (const ExpandedCase& c : expanded_cases()) {
    const LoadedRule* rule = loaded.find(c.source->rule);
    INFO("rule '" << c.source->rule << "' on: " << c.line);
    REQUIRE(rule != nullptr);
    std::vector<Hit> hits = scan(*rule, c.line);
    INFO("reported secrets: " << secrets_of(hits));
    if (!c.source->reported) {
      CHECK(hits.empty());
      continue;
    }
    REQUIRE(!hits.empty());
    CHECK(hits.front().line == 1);
    // The reported secret must be the generated credential, not a fragment.
    if (c.chunks.empty()) continue;
    const std::string& longest = *std::max_element(c.chunks.begin(), c.chunks.end(),
                                                   [](const auto& a, const auto& b) { return a.size() < b.size(); });
    bool covered = std::any_of(hits.begin(), hits.end(),
                               [&](const Hit& hit) { return hit.secret.find(longest) != std::string::npos; });
    CHECK(covered);
  }
}

TEST_CASE("a credential line is reported by its own rule only", "[rules]") {
  const LoadedRules& loaded = builtin_rules();
  for (const ExpandedCase& c : expanded_cases()) {
    if (!c.source->reported) continue;
    const LoadedRule* own = loaded.find(c.source->rule);
    if (!own || !is_credential_rule(*own)) continue;
    for (const auto& other : loaded.rules) {
      if (other.id == own->id) continue;
      INFO("line for '" << own->id << "' also reported by '" << other.id << "': " << c.line);
      CHECK(scan(other, c.line).empty());
    }
  }
}

TEST_CASE("the rule files and this test hold no credential a builtin rule reports", "[rules]") {
  const LoadedRules& loaded = builtin_rules();
  const fs::path files[] = {builtin_dir() / kRuleFiles[0], builtin_dir() / kRuleFiles[1],
                            builtin_dir() / kRuleFiles[2], repo_root() / "tests" / "unit" / "test_builtin_rules.cpp"};
  for (const fs::path& path : files) {
    std::vector<std::string> lines = read_lines(path);
    REQUIRE(!lines.empty());
    for (size_t i = 0; i < lines.size(); ++i)
      for (const auto& rule : loaded.rules) {
        if (!is_credential_rule(rule)) continue;
        INFO(path.filename().string() << ":" << i + 1 << " reported by '" << rule.id << "'");
        CHECK(scan(rule, lines[i]).empty());
      }
  }
}

TEST_CASE("every true positive survives the engine's one-pass prefilter", "[rules]") {
  // The engine runs each rule's pattern (Vectorscan, prefilter mode) and its
  // keywords over the whole file, not line by line, so ^ and $ see the file.
  const LoadedRules& loaded = builtin_rules();
  std::vector<refguard::engine::Prefilter::Entry> entries;
  for (size_t i = 0; i < loaded.rules.size(); ++i)
    if (loaded.rules[i].detector) entries.push_back({i, *loaded.rules[i].detector->prefilter()});
  std::vector<std::string> notes;
  auto prefilter = refguard::engine::Prefilter::compile(entries, notes);
  REQUIRE(prefilter.has_value());
  std::string all_notes;
  for (const auto& note : notes) all_notes += note + "\n";
  INFO(all_notes);
  CHECK(notes.empty());

  // Every case line in one file, each line between two others.
  std::string content;
  std::vector<size_t> starts;
  for (const ExpandedCase& c : expanded_cases()) {
    starts.push_back(content.size());
    content += c.line + "\n";
  }
  std::vector<AddedLine> lines;
  for (size_t i = 0; i < starts.size(); ++i)
    lines.push_back(AddedLine{static_cast<uint32_t>(i + 1),
                              std::string_view(content).substr(starts[i], expanded_cases()[i].line.size())});
  std::vector<std::vector<uint32_t>> candidates;
  (*prefilter)->candidates(content, lines, candidates);
  REQUIRE(candidates.size() == entries.size());

  for (size_t i = 0; i < expanded_cases().size(); ++i) {
    const ExpandedCase& c = expanded_cases()[i];
    if (!c.source->reported) continue;
    auto entry = std::find_if(entries.begin(), entries.end(),
                              [&](const auto& e) { return loaded.rules[e.rule].id == c.source->rule; });
    REQUIRE(entry != entries.end());
    const auto& lines_for_rule = candidates[static_cast<size_t>(entry - entries.begin())];
    INFO("rule '" << c.source->rule << "' lost by the prefilter: " << c.line);
    CHECK(std::binary_search(lines_for_rule.begin(), lines_for_rule.end(), static_cast<uint32_t>(i)));
  }
}
