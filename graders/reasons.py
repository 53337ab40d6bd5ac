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
    "invalid_response": "the model's response could not be decoded (e.g. an integer of thousands of digits)",
    # ids and names
    "unknown_node": "the answer names a variable, paper, commit or entity that is not in the graph",
    "duplicate_item": "the answer lists the same item more than once",
    # causal
    "not_a_dag_edge": "the named edge is not an edge of the proposed DAG",
    "not_equivalent_after_reversal": "reversing the named edges does not restore the true equivalence class",
    "wrong_edge_count": "the answer names a different number of edges than the prompt says are reversed",
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
    "not_identifiable": "the answer says the effect is identifiable, but the ID algorithm finds it is not",
    "missed_identifiable": "the answer says the effect is not identifiable, but it is",
    "identified_by_linearity": "the answer says the effect is identifiable, as it is in this linear model "
                               "(by an instrument), but it is not non-parametrically, as asked",
    "missing_estimate": "the answer says the effect is identifiable but gives no estimate",
    "wrong_formula": "the formula does not identify the effect: on an SCM with this DAG it is not the ACE",
    "bad_formula": "the formula cannot be read or evaluated in the evaluate tool's language",
    "naive_regression": "the value is what the unadjusted regression of the outcome on the treatment gives",
    "parent_adjusted_estimate": "the estimate adjusts for the treatment's observed parents, leaving a "
                                "backdoor path open",
    "pretreatment_adjusted": "the estimate adjusts for every observed variable that is not a descendant "
                             "of the treatment, a set that here leaves a backdoor path open or opens one",
    "linear_estimate": "on binary data, the estimate a linear model would justify (a regression "
                       "coefficient, a product of slopes, a Wald-type instrument ratio), not the plug-in of "
                       "the identified functional",
    "front_door_nearest": "the estimate applies the front-door formula with the treatment's observed "
                          "children on the way to the outcome, which here do not satisfy the front-door "
                          "criterion",
    "interventional_answer": "the value is the population's E[Y | do(X = x')], not this unit's "
                             "counterfactual",
    "outcome_unchanged": "the value is the unit's observed outcome, as if setting the treatment changed "
                         "nothing",
    "mediators_held": "the mediators were left at the unit's observed values instead of recomputed at x'",
    "mediator_noise_dropped": "the mediators were recomputed at x' without their abducted noises",
    "unrecorded_noise_zeroed": "the unit's unrecorded values were filled in from their equations with zero "
                               "noise, ignoring what its recorded values say about them",
    "imputed_by_regression": "the unit's unrecorded values were imputed by regression on its recorded ones "
                             "and then treated as observed, not averaged over given the record",
    # lineage (papers: an unknown id or title is unknown_node, one paper named twice duplicate_item)
    "missing_paper": "the answer leaves out a paper that belongs to the asked-for set or order",
    "extra_paper": "the answer includes a paper that does not belong to the asked-for set or order",
    "path_wrong_endpoints": "the citation chain does not start at the asked-for paper and end at the other",
    "not_a_citation": "a step of the chain is not a real citation (the first paper does not cite the next)",
    "path_not_shortest": "every step is a real citation, but a shorter chain exists",
    "out_of_order": "two papers are ordered against their first-version dates",
    "not_common_ancestor": "the paper is not cited, directly or through a chain, by both papers",
    "not_latest": "a common ancestor exists whose first version is later than the answer's",
    "wrong_predecessor": "a paper is said to build on a listed paper it does not directly build on",
    "missed_predecessor": "a paper is said to build on none of the list, yet one it builds on is listed",
    "no_paper_on_every_chain": "no paper lies on every chain between the two papers, yet the answer names one",
    "true_statement_rejected": "the answer leaves out a statement that is true",
    "false_statement_accepted": "the answer counts as true a statement that is false",
    "unknown_statement": "the answer gives a number that names none of the statements",
    "misjudged_citation": "a statement that one paper cites another is judged wrongly",
    "misjudged_date": "a statement that one paper came before another is judged wrongly",
    "misjudged_component": "a statement on which paper a component was taken from is judged wrongly",
    "misjudged_every_chain": "a statement that a paper lies on every citation chain is judged wrongly",
    "misjudged_reach": "a statement that a chain of at most two (or three) steps links two papers is judged "
                       "wrongly",
    "misjudged_first_citer": "a statement naming the earliest paper citing two others is judged wrongly",
    "misjudged_count": "a statement on how many papers a chain reaches from a paper is judged wrongly",
    "misjudged_no_chain": "a statement that no citation chain leads from one paper back to another is judged "
                          "wrongly",
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
    "untestable_commit": "the commit cannot be tested (its build is broken), so it is not the first bad one",
    "other_failure": "the commit starts another failure (another test, or another error) than the one asked",
    "other_error": "the named test starts failing there, but with another error than the one the prompt names",
    "before_first_bad": "the commit is in the range, before the first bad one: the failure is not there yet",
    "after_first_bad": "the commit fails as asked, but it descends from an earlier commit that already did",
    "listed_picked_commit": "the set lists a commit whose patch the other branch already has (another id)",
    "missed_changed_patch": "the set leaves out a commit whose subject the other branch has, not its patch",
    "named_in_subject": "the commit's subject names the function, but its result did not change there",
    "text_only_change": "the commit changed the function's text, but not its result on the inputs asked",
    "other_inputs_change": "the commit changed what the function returns on other inputs, not on those asked",
    "before_change": "the call's result at that commit is still the one at the good commit: it changes later",
    "after_change": "the call's result had already changed at an earlier commit",
    # paper to code (commits, for locate, as in git history)
    "bad_file_path": "a submitted file's path is not a relative .py path of plain names, or a file is too large",
    "patch_does_not_apply": "a submitted unified diff does not apply to the file at the cut-off",
    "code_import_error": "the code does not import (syntax error, missing module) or lacks the function",
    "code_crash": "the function raised an exception on a hidden case",
    "code_timeout": "the function ran over its time limit on a hidden case, or the run over its CPU, memory or wall time",
    "wrong_values": "the function returned values (or a shape) that differ from the definition's",
    "incomplete_version": "the component exists at that commit, but does not yet behave as the paper defines it",
    "commit_too_early": "the component does not exist yet at that commit",
    "partial_fix": "the commit fixed part of the component, but a checked case still differs from the paper's "
                   "definition there (a later commit completed it)",
    "commit_too_late": "the component already behaved as the paper defines it at an earlier commit",
    "regressed_version": "a later commit broke the component again at that commit (a regression): it was "
                         "right at an earlier one",
    "after_regression": "the commit repaired a regression, or came after the repair: the component first "
                        "behaved as the paper defines it before the regression",
    "not_wired": "the agent's methods still raise NotImplementedError: the component is not wired into the agent",
    "wrong_agent_values": "the component's functions are right, but the agent's methods return other values than "
                          "its docstrings define (a convention of the codebase not followed)",
    "wrong_agent_action": "the component functions are right, but the agent picks other next actions than its "
                          "docstring and the paper define (e.g. the target network choosing)",
    "wrong_agent_target": "the agent's actions are right, but its target distributions differ (e.g. gamma "
                          "instead of gamma ** n, a bootstrap past an episode's end, a mask read backwards)",
    "wrong_agent_loss": "the agent's targets are right, but its loss differs (e.g. importance weights "
                        "not applied, the other divergence)",
    "wrong_agent_priorities": "the agent's targets are right, but the new priorities differ (e.g. set from "
                              "a TD error instead of the per-sample loss, or stored in another form)",
    "wrong_agent_sampling": "the agent's priorities are right, but its draws or importance weights differ "
                            "(e.g. alpha applied to stored powered priorities again, beta not annealed)",
    "missing_functions": "the answer leaves out a function that implements one of the paper's components",
    "extra_functions": "the answer names a function that does not implement any of the paper's components",
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
    "directly_linked": "the two entities meet every condition, but a statement of the graph links them directly",
    "not_optimal": "the answer meets the constraints, but another answer has a better measure",
    "roles_swapped": "the two entities have the roles the other one is asked for (a and b swapped)",
    "premise_wrongly_rejected": "the question's premise holds in the graph, but the answer says it is false",
    "false_premise_missed": "the question's premise is false in the graph, but the answer gives an entity",
    "wrong_premise_reason": "the premise is false, but for the other reason (no entity versus several)",
    "wrong_failing_entity": "the premise is false for the reason given, but the answer names another entity "
                            "(or none) as the one its failing step is read from",
    "followed_reverse_link": "the answer follows a step backwards: another entity's statement naming this one",
    "picked_one_of_several": "a step leads to several entities, and the answer takes one of them as the one",
    "stopped_short": "the answer is an entity the chain passes before its last step (a step left out)",
    "wrong_count": "the count differs from the number of entities meeting the conditions",
    "negation_ignored": "the count is that of the entities meeting the conditions before the negated one",
    "negation_per_value": "the count negates the condition per value (some value fails it) rather than for "
                          "all of them (none holds), leaving out the entities with no value",
    "duplicates_counted": "the count counts an entity once per way it meets the conditions (no DISTINCT)",
    # tool kind: how the first failing hidden instance failed (never which instance it was)
    "no_function": "the code does not define the contract's function (a syntax error, or another name)",
    "wrong_output": "the function returned a wrong value on a random hidden instance",
    "wrong_on_edge_case": "the function returned a wrong value on a hidden instance of a named edge case",
    "raised": "the function raised an exception on a hidden instance",
    "timeout": "the function ran over its time limit on a hidden instance",
    "wrong_type": "the function returned a value of the wrong type or shape (or not JSON) on an instance",
    "not_raised": "the function returned a value where the contract says to raise ValueError (a cycle, say)",
}
