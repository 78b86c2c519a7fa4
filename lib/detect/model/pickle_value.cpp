#include "detect/model/pickle_value.h"

namespace refguard::detect::model {

namespace {

// Moves the nodes `node` holds onto `stack`, leaving it without children.
void take_children(PickleNode& node, std::vector<std::shared_ptr<PickleNode>>& stack) {
  for (PickleValue& item : node.items)
    if (item.node) stack.push_back(std::move(item.node));
  for (auto& entry : node.entries)
    if (entry.second.node) stack.push_back(std::move(entry.second.node));
  for (PickleValue* value : {&node.cls, &node.args, &node.state})
    if (value->node) stack.push_back(std::move(value->node));
}

}  // namespace

PickleNode::~PickleNode() {
  // Children are released one at a time; a child this tree holds the last
  // reference to hands its own children over first, so no destructor below
  // ever has a child left to destroy recursively.
  std::vector<std::shared_ptr<PickleNode>> stack;
  take_children(*this, stack);
  while (!stack.empty()) {
    std::shared_ptr<PickleNode> node = std::move(stack.back());
    stack.pop_back();
    if (node.use_count() == 1) take_children(*node, stack);
  }
}

}  // namespace refguard::detect::model
