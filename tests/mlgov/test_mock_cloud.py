import mlgov.cloud
import mlgov.mock_cloud


def test_the_old_module_name_still_serves_the_same_mock_cloud():
    for name in ("ACCOUNT_ID", "CloudMocks", "MockCloud", "policy_document"):
        assert getattr(mlgov.mock_cloud, name) is getattr(mlgov.cloud, name)
