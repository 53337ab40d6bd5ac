"""The one vocabulary of failure reasons. Graders may use no other code; reports link each to
docs/failure-modes.md."""

REASONS: dict[str, str] = {
    # any family: the answer's shape
    "invalid_json": "the answer is not valid JSON",
    "not_an_object": "the answer is not a JSON object",
    "schema_mismatch": "the answer does not fit the task's answer schema (missing field, wrong type)",
    "answer_too_large": "the answer is larger than any correct answer could be",
    "grader_error": "the grader itself failed on this answer (a bug: please report it)",
    # the runner
    "no_submission": "the episode ended without a submit_answer call",
    "turn_limit": "the episode reached its turn limit before submitting",
    "token_limit": "the episode reached its token limit before submitting",
    "provider_error": "the model provider failed (after retries) and the episode could not go on",
    # ids and names
    "unknown_node": "the answer names a variable, paper, commit or entity that is not in the graph",
    "duplicate_item": "the answer lists the same item more than once",
    # causal
    "not_a_dag_edge": "the named edge is not an edge of the proposed DAG",
    "not_equivalent_after_reversal": "reversing the named edge does not restore the true equivalence class",
    "treatment_or_outcome_in_set": "the adjustment set contains the treatment or the outcome itself",
    "unobserved_variable": "the adjustment set uses a variable that is not observed",
    "contains_descendant": "the adjustment set contains a descendant of the treatment",
    "opens_backdoor_path": "the adjustment set leaves a backdoor path open",
    "not_minimum_cost": "the adjustment set is valid but not of minimum total cost",
    "missed_valid_set": "the answer says no valid adjustment set exists, but one does",
    "no_valid_set_exists": "no valid adjustment set exists, but the answer gives one",
    "outside_tolerance": "the estimate lies outside the stated tolerance",
    "wrong_skeleton": "the recovered graph's adjacencies differ from the truth",
    "wrong_orientation": "the adjacencies are right but the directed/undirected edges differ from the CPDAG",
    # lineage (papers: an unknown id or title is unknown_node, one paper named twice duplicate_item)
    "missing_paper": "the answer leaves out a paper that belongs to the asked-for set or order",
    "extra_paper": "the answer includes a paper that does not belong to the asked-for set or order",
    "path_wrong_endpoints": "the citation chain does not start at the asked-for paper and end at the other",
    "not_a_citation": "a step of the chain is not a real citation (the first paper does not cite the next)",
    "path_not_shortest": "every step is a real citation, but a shorter chain exists",
    "out_of_order": "two papers are ordered against their first-version dates",
    "not_common_ancestor": "the paper is not cited, directly or through a chain, by both papers",
    "not_latest": "a common ancestor exists whose first version is later than the answer's",
    # git history
    "not_a_commit_id": "the answer is not a commit id: a full id or a prefix of at least 7 hex digits",
    "ambiguous_commit": "the commit id prefix names more than one object in the repository",
    "wrong_commit": "the answer names a real commit, but not the one asked for",
    "missing_commits": "the commit set leaves out commits that belong to it",
    "extra_commits": "the commit set includes commits that do not belong to it",
    "wrong_name": "the file path (or a path in the list of names) is not the one the file had",
    "wrong_order": "the file's names are right but not listed oldest first",
    "wrong_author": "the author is not the author of the commit that last changed the line",
    "not_best_common_ancestor": "a common ancestor of both branches, but an ancestor of a better one",
    "not_an_ancestor_of_both": "the commit is not an ancestor of both branches",
    # wikidata (an id or name the graph lacks is unknown_node, an entity listed twice duplicate_item)
    "wrong_entity": "the answer names an entity of the graph, but not the one the question leads to",
    "ambiguous_name": "the name matches several entities of the graph and none is the answer; give the id",
    "missing_members": "the set leaves out entities that meet the condition",
    "extra_members": "the set includes entities that do not meet the condition",
    "same_entity": "the two entities must be different, but the answer names one entity twice",
    "false_triple": "a claimed triple is not a statement of the graph",
    "wrong_direction": "a claimed triple is in the graph only with its subject and object swapped",
    "wrong_property": "a claimed triple's subject and object are linked in the graph, by another property",
    "unsupported_constraint": "the claimed triples do not show that a condition of the question holds",
    "constraint_violated": "the claimed facts are true, but a distance or date condition fails",
}
